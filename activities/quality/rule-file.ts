import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProjectError } from '../../lib/errors';
import { identifier, ruleTypeOf, ruleTypeSchemas, tableName } from './rules';

/** One rule in a rule file; `type` selects the check, one of the registered rule types. */
export const ruleSchema = z.discriminatedUnion('type', ruleTypeSchemas);
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
      const problem = ruleTypeOf(r).check?.(r);
      if (problem) issue(problem.key, problem.message);
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
