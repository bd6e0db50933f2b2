import { z } from 'zod';
import { identifier, landingColumnsSchema } from './primitives';
import { storagePath } from './s3-schema';

/** One landing-file entity: where its files land and how they map onto a raw table. */
export const entitySchema = z
  .object({
    name: identifier,
    /** File-name pattern; `{interval}` stands for the interval start as YYYYMMDDTHHMM. */
    pattern: z
      .string()
      .includes('{interval}', { message: 'must contain {interval}' })
      .refine((p) => !p.includes('/'), 'a file name, without /: files land in <landing.path>/<entity>/'),
    /** `csv`, `ndjson` (one JSON object per line) or `json` (one array of objects). A `.gz` name is read gunzipped. */
    format: z.enum(['csv', 'ndjson', 'json']).default('csv'),
    delimiter: z.string().length(1).default(','),
    /** The file's first line names its columns (skipped as data). */
    header: z.boolean().default(true),
    /**
     * How a CSV file's fields map onto `columns`: by the names in its header (any order; a missing or
     * unknown name quarantines the file) or by position. Without a header only `position` applies.
     */
    columnsBy: z.enum(['name', 'position']).optional(),
    /** A header column the entity does not declare: `reject` (the default) quarantines the file, `ignore` leaves it unloaded. */
    extraColumns: z.enum(['reject', 'ignore']).optional(),
    /** CSV quote character. */
    quote: z.string().length(1).default('"'),
    /** Text encoding of the file. */
    encoding: z.enum(['utf-8', 'utf-16', 'latin-1']).default('utf-8'),
    /** Column names and types; `decimal(p,s)` declares precision and scale, and a value that does not fit is quarantined. */
    columns: landingColumnsSchema,
    /** Columns that must be present and non-empty; a row without them is quarantined. */
    required: z.array(identifier).default([]),
    /**
     * Columns a CSV header may lack: columns added to the entity after files without them were made. Such
     * a file loads them as NULL; a header lacking any other column still quarantines the file.
     */
    optionalColumns: z.array(identifier).optional(),
    /** Also keep each row's original text values as JSON in `_edp_raw` (slower; CSV rows can always be replayed from their file by line). */
    keepRawText: z.boolean().default(false),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.header && e.columnsBy === 'name') {
      ctx.addIssue({
        code: 'custom',
        path: ['columnsBy'],
        message: 'a file without a header maps columns by position',
      });
    }
    for (const [i, col] of e.required.entries()) {
      if (!(col in e.columns)) {
        ctx.addIssue({ code: 'custom', path: ['required', i], message: `"${col}" is not one of the entity's columns` });
      }
    }
    for (const [i, col] of (e.optionalColumns ?? []).entries()) {
      const problem = !(col in e.columns)
        ? `"${col}" is not one of the entity's columns`
        : e.required.includes(col)
          ? `"${col}" is required: a file without it could not load`
          : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['optionalColumns', i], message: problem });
    }
  });
/** A landing-file entity after defaults. */
export type EntityConfig = z.infer<typeof entitySchema>;

/** How an entity's CSV fields map onto its columns: by header name unless it has no header or says `position`. */
export function columnsByOf(e: Pick<EntityConfig, 'header' | 'columnsBy'>): 'name' | 'position' {
  return e.header ? (e.columnsBy ?? 'name') : 'position';
}

/** What a load does with a file whose content was already loaded under another name in the same interval. */
export const duplicateFilesSchema = z.enum(['skip', 'load']);
/** `landing.duplicateFiles`. */
export type DuplicateFiles = z.infer<typeof duplicateFilesSchema>;

/** The `landing` section: the landing zone's folder and the entities whose files land there. */
export const landingSchema = z
  .object({
    /** A folder (relative to stateDir) or `s3://bucket/prefix` (the `s3` section says how to reach it). */
    path: storagePath.default('landing'),
    entities: z.array(entitySchema).default([]),
    /** `skip` (recorded as a duplicate and reported) or `load` (loaded again, still reported). */
    duplicateFiles: duplicateFilesSchema.default('skip'),
  })
  .strict()
  .default({});
