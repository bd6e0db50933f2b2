import type { z } from 'zod';
import { business } from './business';
import { completeness } from './completeness';
import { duplicates } from './duplicates';
import { format } from './format';
import { freshness } from './freshness';
import { lookup } from './lookup';
import { mandatory } from './mandatory';
import { rowCount } from './row-count';
import type { RowRuleType, TableRuleType } from './rule-type';
import { schema } from './schema';

export * from './rule-fields';
export * from './rule-type';

/**
 * Every rule type, in the order messages list them. A new rule type is one file in this folder
 * (its keys, its SQL, its verdict) and one line here.
 */
export const RULE_TYPES = [
  mandatory,
  format,
  lookup,
  duplicates,
  business,
  rowCount,
  completeness,
  freshness,
  schema,
] as const;

type Registered = (typeof RULE_TYPES)[number];
/** A rule of any registered type, as its schema outputs it. */
export type AnyRule = z.output<Registered['schema']>;
/** A rule of any registered row-level type. */
export type AnyRowRule = z.output<Extract<Registered, { level: 'row' }>['schema']>;
/** A rule of any registered table-level type. */
export type AnyTableRule = Exclude<AnyRule, AnyRowRule>;

type SchemasOf<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never;
};
/** The schemas of every rule type, as the tuple `z.discriminatedUnion` takes (`map` loses the tuple type). */
export const ruleTypeSchemas = RULE_TYPES.map((t) => t.schema) as unknown as SchemasOf<typeof RULE_TYPES>;

const byType = new Map<string, RowRuleType<string, never> | TableRuleType<string, never>>(
  RULE_TYPES.map((t) => [t.type, t]),
);

/** The registered type of a rule (row-level rules get a row-level type, table-level rules a table-level one). */
export function ruleTypeOf(rule: AnyRowRule): RowRuleType<string, AnyRowRule>;
export function ruleTypeOf(rule: AnyTableRule): TableRuleType<string, AnyTableRule>;
export function ruleTypeOf(rule: AnyRule): RowRuleType<string, AnyRule> | TableRuleType<string, AnyRule>;
export function ruleTypeOf(rule: AnyRule): RowRuleType<string, never> | TableRuleType<string, never> {
  // Entries are keyed by their schema's own `type` literal, so the entry found takes exactly this rule.
  return byType.get(rule.type)!;
}
