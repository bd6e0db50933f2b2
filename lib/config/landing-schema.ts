import { z } from 'zod';
import { columnsSchema, identifier } from './primitives';

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
    header: z.boolean().default(true),
    /** CSV quote character. */
    quote: z.string().length(1).default('"'),
    /** Text encoding of the file. */
    encoding: z.enum(['utf-8', 'utf-16', 'latin-1']).default('utf-8'),
    columns: columnsSchema,
    /** Columns that must be present and non-empty; a row without them is quarantined. */
    required: z.array(identifier).default([]),
    /** Also keep each row's original text values as JSON in `_edp_raw` (slower; CSV rows can always be replayed from their file by line). */
    keepRawText: z.boolean().default(false),
  })
  .strict()
  .superRefine((e, ctx) => {
    for (const [i, col] of e.required.entries()) {
      if (!(col in e.columns)) {
        ctx.addIssue({ code: 'custom', path: ['required', i], message: `"${col}" is not one of the entity's columns` });
      }
    }
  });
/** A landing-file entity after defaults. */
export type EntityConfig = z.infer<typeof entitySchema>;

/** What a load does with a file whose content was already loaded under another name in the same interval. */
export const duplicateFilesSchema = z.enum(['skip', 'load']);
/** `landing.duplicateFiles`. */
export type DuplicateFiles = z.infer<typeof duplicateFilesSchema>;

/** The `landing` section: the landing zone's folder and the entities whose files land there. */
export const landingSchema = z
  .object({
    path: z.string().min(1).default('landing'),
    entities: z.array(entitySchema).default([]),
    /** `skip` (recorded as a duplicate and reported) or `load` (loaded again, still reported). */
    duplicateFiles: duplicateFilesSchema.default('skip'),
  })
  .strict()
  .default({});
