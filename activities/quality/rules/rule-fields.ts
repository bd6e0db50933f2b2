import { z } from 'zod';

/** A plain SQL identifier: the only column and rule names a rule file may use, so none can inject SQL. */
export const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier');
/** A `schema.table` name. */
export const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table');
/** A SQL expression written by the rule's author. */
export const sql = z.string().trim().min(1, 'expected a SQL expression');

/** When a row-level rule fails: more failing rows than `count`, or more than `percent` of checked rows. */
const thresholdSchema = z
  .object({ count: z.number().int().nonnegative().optional(), percent: z.number().min(0).max(100).optional() })
  .strict()
  .refine((t) => (t.count === undefined) !== (t.percent === undefined), 'give exactly one of count or percent');

/** Keys every rule has. */
export const ruleFields = {
  name: identifier,
  severity: z.enum(['warn', 'error']).default('error'),
  /** SQL predicate: only rows matching it are checked. */
  filter: sql.optional(),
  description: z.string().optional(),
};

/** Keys every row-level rule has besides {@link ruleFields}. */
export const rowRuleFields = {
  ...ruleFields,
  threshold: thresholdSchema.default({ count: 0 }),
  /** Move failing rows out of the table into its error table (needs the file's `key`). */
  quarantine: z.boolean().default(false),
};
