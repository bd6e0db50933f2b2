import { z } from 'zod';

/** The name of an environment variable holding a secret (the config never holds the secret itself). */
export const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name');

/** A file path; relative paths resolve against the config file's folder. */
const filePath = z.string().min(1);

/** Adds an issue when both `<name>Env` and `<name>File` are set: a secret has one source. */
export function oneSourceOf(value: Record<string, unknown>, name: string, ctx: z.RefinementCtx): void {
  if (value[`${name}Env`] !== undefined && value[`${name}File`] !== undefined) {
    ctx.addIssue({ code: 'custom', path: [`${name}File`], message: `set ${name}Env or ${name}File, not both` });
  }
}

/** True when `<name>Env` or `<name>File` is set. */
export const hasSource = (value: Record<string, unknown>, name: string): boolean =>
  value[`${name}Env`] !== undefined || value[`${name}File`] !== undefined;

/**
 * Client TLS (Temporal's `tls`, Kafka's `ssl`): present means the connection is encrypted. The CA to trust
 * (unset: the system's trusted CAs, as for Temporal Cloud, MSK or Confluent Cloud), the client certificate
 * and key for mTLS (PEM, each from a file or an environment variable), and the name the server certificate
 * must carry when it is not the address's host.
 */
export const tlsSchema = z
  .object({
    caFile: filePath.optional(),
    certFile: filePath.optional(),
    certEnv: envVarName.optional(),
    keyFile: filePath.optional(),
    keyEnv: envVarName.optional(),
    serverName: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    oneSourceOf(tls, 'cert', ctx);
    oneSourceOf(tls, 'key', ctx);
    if (hasSource(tls, 'cert') !== hasSource(tls, 'key')) {
      const missing = hasSource(tls, 'cert') ? 'keyFile' : 'certFile';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'a client certificate needs its key: set both or neither',
      });
    }
  });
/** Validated client TLS settings. */
export type TlsConfig = z.infer<typeof tlsSchema>;
