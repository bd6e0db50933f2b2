import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { columnTypeSchema } from '../../lib/config/schema';
import { ProjectError } from '../../lib/errors';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier');
const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table');
const sql = z.string().trim().min(1, 'expected a SQL expression');

/** When a row-level rule fails: more failing rows than `count`, or more than `percent` of checked rows. */
const thresholdSchema = z
  .object({ count: z.number().int().nonnegative().optional(), percent: z.number().min(0).max(100).optional() })
  .strict()
  .refine((t) => (t.count === undefined) !== (t.percent === undefined), 'give exactly one of count or percent');

const base = {
  name: identifier,
  severity: z.enum(['warn', 'error']).default('error'),
  /** SQL predicate: only rows matching it are checked. */
  filter: sql.optional(),
  description: z.string().optional(),
};
const rowLevel = {
  ...base,
  threshold: thresholdSchema.default({ count: 0 }),
  /** Move failing rows out of the table into its error table (needs the file's `key`). */
  quarantine: z.boolean().default(false),
};

/** One rule in a rule file; `type` selects the check. */
export const ruleSchema = z.discriminatedUnion('type', [
  z.object({ ...rowLevel, type: z.literal('mandatory'), columns: z.array(identifier).min(1) }).strict(),
  z
    .object({
      ...rowLevel,
      type: z.literal('format'),
      column: identifier,
      regex: z.string().min(1).optional(),
      expression: sql.optional(),
    })
    .strict(),
  z
    .object({
      ...rowLevel,
      type: z.literal('lookup'),
      column: identifier,
      references: z.object({ table: tableName, column: identifier }).strict(),
    })
    .strict(),
  z.object({ ...rowLevel, type: z.literal('duplicates'), columns: z.array(identifier).min(1), orderBy: sql }).strict(),
  z.object({ ...rowLevel, type: z.literal('business'), expression: sql }).strict(),
  z
    .object({
      ...base,
      type: z.literal('row_count'),
      min: z.number().int().nonnegative().optional(),
      max: z.number().int().nonnegative().optional(),
      /** Largest allowed change, in percent, against the same rule's count in the previous run. */
      maxChangePercent: z.number().nonnegative().optional(),
    })
    .strict(),
  z
    .object({ ...base, type: z.literal('completeness'), column: identifier, minPercent: z.number().min(0).max(100) })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('freshness'),
      column: identifier,
      maxAgeMinutes: z.number().int().positive(),
      /** Age measured against the current time, or against the end of the run's data interval (for backfills). */
      relativeTo: z.enum(['now', 'interval_end']).default('now'),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('schema'),
      columns: z.record(identifier, columnTypeSchema),
      /** Also fail on columns the table has beyond `columns`. */
      exact: z.boolean().default(false),
    })
    .strict(),
]);
/** A validated rule. */
export type Rule = z.infer<typeof ruleSchema>;
/** Rule types that judge single rows (and can quarantine them). */
export type RowRule = Extract<Rule, { quarantine: boolean }>;

/** A rule file: the rules for one table. */
export const ruleFileSchema = z
  .object({
    table: tableName,
    /** Business key: names offending rows in results and identifies rows to quarantine. */
    key: z.array(identifier).min(1).optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name "${r.name}" is used twice` });
      seen.add(r.name);
      const issue = (path: string, message: string): void =>
        ctx.addIssue({ code: 'custom', path: ['rules', i, path], message });
      if ('quarantine' in r && r.quarantine && !f.key)
        issue('quarantine', 'quarantine needs the file to declare a key');
      if (r.type === 'format' && (r.regex === undefined) === (r.expression === undefined))
        issue('regex', 'give exactly one of regex or expression');
      if (r.type === 'row_count' && r.min === undefined && r.max === undefined && r.maxChangePercent === undefined) {
        issue('min', 'give min, max or maxChangePercent');
      }
    });
  });
/** A validated rule file with the path it came from. */
export type RuleFile = z.infer<typeof ruleFileSchema> & { file: string };

/** True for rules that judge single rows. */
export function isRowRule(rule: Rule): rule is RowRule {
  return 'quarantine' in rule;
}

/** Raised for a rule file with a mistake; the message names the file, the path in it and what was expected. */
export class RuleFileError extends ProjectError {}

/** Validates one rule file's text. */
export function parseRuleFile(text: string, file: string): RuleFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new RuleFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = ruleFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new RuleFileError(`${file}:\n${issues}`);
  }
  return { ...parsed.data, file };
}

/** Reads and validates every `*.yml` / `*.yaml` in the rules folder, in name order. */
export function loadRuleFiles(dir: string): RuleFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    throw new RuleFileError(`cannot read the rules folder ${dir} (quality.rulesDir): ${(err as Error).message}`);
  }
  return names.map((name) => parseRuleFile(readFileSync(join(dir, name), 'utf8'), join(dir, name)));
}
