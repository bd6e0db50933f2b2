import { z } from 'zod';
import { columnsSchema, identifier } from './primitives';
import { envVarName, oneSourceOf } from './tls-schema';

/** One table extracted from a SQL source into `raw.<target>`. */
export const sqlTableSchema = z
  .object({
    /** Table in the source. */
    name: identifier,
    schema: identifier.default('public'),
    /** Raw table it lands in; default `<source>_<name>`. */
    target: identifier.optional(),
    /** `incremental`: rows whose watermark is above the last committed one; `full`: the whole table, replacing raw. */
    mode: z.enum(['incremental', 'full']),
    /** Column whose growing value marks new and changed rows (incremental mode). */
    watermark: identifier.optional(),
    columns: columnsSchema,
    required: z.array(identifier).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.mode === 'incremental' && !t.watermark)
      ctx.addIssue({ code: 'custom', path: ['watermark'], message: 'incremental tables need a watermark column' });
    if (t.watermark && !(t.watermark in t.columns))
      ctx.addIssue({
        code: 'custom',
        path: ['watermark'],
        message: `"${t.watermark}" is not one of the table's columns`,
      });
  });
/** A SQL-source table after defaults. */
export type SqlTableConfig = z.infer<typeof sqlTableSchema>;

/** An operational SQL database the batch ingest extracts from. */
export const sqlSourceSchema = z
  .object({
    name: identifier,
    kind: z.enum(['postgres']),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5432),
    database: identifier,
    user: z.string().min(1).default('edp'),
    /** Name of the environment variable holding the password (never the password itself). */
    passwordEnv: envVarName.optional(),
    /** File holding the password, instead of a variable. */
    passwordFile: z.string().min(1).optional(),
    /** As libpq's: `require` encrypts, `verify-ca` also checks the CA, `verify-full` also the host name. */
    sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).default('disable'),
    /** PEM file of the CA that signed the server's certificate (verify-ca needs it; verify-full defaults to the system's CAs). */
    sslCaFile: z.string().min(1).optional(),
    tables: z.array(sqlTableSchema).min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    oneSourceOf(s, 'password', ctx);
    if (s.sslmode === 'verify-ca' && s.sslCaFile === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sslCaFile'],
        message: 'sslmode verify-ca checks the CA in sslCaFile: set it',
      });
    if (s.sslCaFile !== undefined && (s.sslmode === 'disable' || s.sslmode === 'require'))
      ctx.addIssue({
        code: 'custom',
        path: ['sslmode'],
        message: `sslCaFile is set but sslmode ${s.sslmode} does not check certificates: use verify-ca or verify-full`,
      });
  });
/** A SQL source after defaults. */
export type SqlSourceConfig = z.infer<typeof sqlSourceSchema>;

/** The `sources` section: operational SQL databases extracted into `raw` by every pipeline run. */
export const sourcesSchema = z.array(sqlSourceSchema).default([]);
