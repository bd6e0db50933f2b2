import { z } from 'zod';
import { columnsSchema, identifier } from './primitives';

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
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    tables: z.array(sqlTableSchema).min(1),
  })
  .strict();
/** A SQL source after defaults. */
export type SqlSourceConfig = z.infer<typeof sqlSourceSchema>;

/** The `sources` section: operational SQL databases extracted into `raw` by every pipeline run. */
export const sourcesSchema = z.array(sqlSourceSchema).default([]);
