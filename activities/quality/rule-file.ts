import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier');
const base = { name: identifier, severity: z.enum(['warn', 'error']).default('error') };

/** One check in a rule file. */
export const checkSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('not_null'), column: identifier }).strict(),
  z.object({ ...base, type: z.literal('unique'), column: identifier }).strict(),
  /** A boolean SQL expression every row must satisfy, e.g. `paid_amount <= billed_amount`. */
  z.object({ ...base, type: z.literal('expression'), expression: z.string().min(1) }).strict(),
  z.object({ ...base, type: z.literal('row_count'), min: z.number().int().nonnegative() }).strict(),
]);
/** A validated check. */
export type Check = z.infer<typeof checkSchema>;

/** A rule file: the checks for one table. */
export const ruleFileSchema = z
  .object({
    table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table'),
    checks: z.array(checkSchema).min(1),
  })
  .strict();
/** A validated rule file. */
export type RuleFile = z.infer<typeof ruleFileSchema> & { file: string };

/** Raised for a rule file with a mistake; the message names the file and the path in it. */
export class RuleFileError extends Error {
  override name = 'RuleFileError';
}

/** Reads and validates every `*.yml` in the rules folder. */
export function loadRuleFiles(dir: string): RuleFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new RuleFileError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    const parsed = ruleFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
      throw new RuleFileError(`${file}:\n${issues}`);
    }
    return { ...parsed.data, file };
  });
}
