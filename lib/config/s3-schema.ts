import { z } from 'zod';
import { envVarName, hasSource, oneSourceOf } from './tls-schema';

/** `s3://bucket` or `s3://bucket/prefix`: a bucket name as S3 allows it, then an optional key prefix. */
export const S3_LOCATION = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/** True when a configured path (`landing.path`, `export.path`) names object storage rather than a local folder. */
export function isS3Location(path: string): boolean {
  return path.startsWith('s3://');
}

/** The bucket and key prefix (empty, or ending in `/`) of an `s3://` location; undefined when it is malformed. */
export function parseS3Location(path: string): { bucket: string; prefix: string } | undefined {
  const m = S3_LOCATION.exec(path);
  if (!m) return undefined;
  const rest = (m[2] ?? '').replace(/\/+$/, '');
  return { bucket: m[1], prefix: rest === '' ? '' : `${rest}/` };
}

/** A local folder or an `s3://bucket/prefix` location (`landing.path`, `export.path`). */
export const storagePath = z
  .string()
  .min(1)
  .refine(
    (p) => !isS3Location(p) || parseS3Location(p) !== undefined,
    'not s3://bucket or s3://bucket/prefix (bucket: 3-63 lower-case letters, digits, dots and hyphens)',
  );

/**
 * The `s3` section: how every `s3://` path of the config (`landing.path`, `export.path`) is reached. Unset
 * keys fall back to the AWS SDK's defaults (AWS_REGION, the credential chain: environment, profile, instance
 * role), so real S3 needs no section at all on a host with a role. Secrets come from environment variables
 * or files the config names, never from the config itself.
 */
export const s3Schema = z
  .object({
    /** The buckets' region; a bucket in another region is refused (naming this key), not silently redirected. */
    region: z.string().min(1).optional(),
    /** An S3-compatible endpoint instead of AWS (MinIO, Ceph, a local S3), e.g. `http://127.0.0.1:9000`. */
    endpoint: z.string().url().optional(),
    /** Path-style addressing (`endpoint/bucket/key`); default true with an `endpoint`, false on AWS. */
    forcePathStyle: z.boolean().optional(),
    accessKeyIdEnv: envVarName.optional(),
    accessKeyIdFile: z.string().min(1).optional(),
    secretAccessKeyEnv: envVarName.optional(),
    secretAccessKeyFile: z.string().min(1).optional(),
    /** For temporary credentials (STS). */
    sessionTokenEnv: envVarName.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    oneSourceOf(s, 'accessKeyId', ctx);
    oneSourceOf(s, 'secretAccessKey', ctx);
    const has = (name: string): boolean => hasSource(s, name);
    if (has('accessKeyId') !== has('secretAccessKey')) {
      ctx.addIssue({
        code: 'custom',
        path: [has('accessKeyId') ? 'secretAccessKeyEnv' : 'accessKeyIdEnv'],
        message: 'an access key id needs its secret: set both or neither',
      });
    }
  })
  .default({});
/** Validated `s3` settings. */
export type S3Config = z.infer<typeof s3Schema>;
