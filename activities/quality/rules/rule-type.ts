import { z } from 'zod';
import type { Dialect, Row, SqlValue, TableRef } from '../../warehouse';
import { ruleFields, rowRuleFields } from './rule-fields';

/** A mistake across a rule's keys that its schema alone cannot catch, at the key a person must fix. */
export interface RuleIssue {
  key: string;
  message: string;
}

/** The pieces a row-level rule builds its failing-rows query from; the checked table is aliased `t`. */
export interface ViolationsSqlKit {
  d: Dialect;
  /** The checked table, `… t`. */
  table: string;
  /** The rule's filter as a predicate (`TRUE` without one). */
  where: string;
  /** A column of `t` as text. */
  text: (column: string) => string;
  /** The select list of one failing row: (row_key, column_name, value, message, row_json). */
  select: (column: string | null, value: string, message: string) => string;
}

/** The pieces a table-level rule builds its measuring query from; the checked table is aliased `t`. */
export interface TableSqlKit {
  d: Dialect;
  /** The checked table, `… t`. */
  table: string;
  /** The rule's filter as a predicate (`TRUE` without one). */
  where: string;
  /** End of the run's data interval, for rules measured against it. */
  intervalEnd?: string;
}

/** What a table-level rule may read to judge the table, inside the run's transaction. */
export interface TableCheck {
  d: Dialect;
  /** The rule's own query from its `sql`, or '' when it has none. */
  sql: string;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The checked table's columns. */
  columns: ReadonlyArray<{ name: string; type: string }>;
  /** What this rule counted in the table's previous run, if there was one. */
  previousCheckedRows(): Promise<number | undefined>;
}

/** A table-level rule's judgement. */
export interface TableVerdict {
  passed: boolean;
  checkedRows: number;
  /** What was measured, in words. */
  message: string;
}

/** The schema of a rule type's rules: the common keys, the `type` literal, then the type's own keys. */
type SchemaOf<C extends z.ZodRawShape, T extends string, F extends z.ZodRawShape> = z.ZodObject<
  C & { type: z.ZodLiteral<T> } & F,
  'strict'
>;
type RowSchema<T extends string, F extends z.ZodRawShape> = SchemaOf<typeof rowRuleFields, T, F>;
type TableSchema<T extends string, F extends z.ZodRawShape> = SchemaOf<typeof ruleFields, T, F>;
/** What a rule type's file writes: its name, its own keys and its handlers. */
type Definition<D, T extends string, F extends z.ZodRawShape> = { type: T; fields: F } & Omit<
  D,
  'type' | 'level' | 'schema'
>;

/** A rule type that judges single rows: failing rows go to the error table and can be quarantined. */
export interface RowRuleType<T extends string = string, R = unknown, S extends z.AnyZodObject = z.AnyZodObject> {
  readonly type: T;
  readonly level: 'row';
  /** Schema of one rule of this type in a rule file. */
  readonly schema: S;
  check?(rule: R): RuleIssue | undefined;
  /** SQL selecting the failing rows, one row per failing row and column. */
  violationsSql(q: ViolationsSqlKit, rule: R): string;
  /** A statement removing quarantined rows that cannot be told apart by key; without it they are deleted by key. */
  quarantineSql?(d: Dialect, target: TableRef, rule: R): string;
}

/** A rule type that judges the table as a whole. */
export interface TableRuleType<T extends string = string, R = unknown, S extends z.AnyZodObject = z.AnyZodObject> {
  readonly type: T;
  readonly level: 'table';
  /** Schema of one rule of this type in a rule file. */
  readonly schema: S;
  check?(rule: R): RuleIssue | undefined;
  /** SQL returning one row with the figure(s) the rule judges; none for rules that read the catalog. */
  sql?(q: TableSqlKit, rule: R): string;
  evaluate(c: TableCheck, rule: R): Promise<TableVerdict>;
}

/** Defines a row-level rule type from its own keys; the common row-level keys are added. */
export function defineRowRule<T extends string, F extends z.ZodRawShape>(
  def: Definition<RowRuleType<T, z.output<RowSchema<T, F>>>, T, F>,
): RowRuleType<T, z.output<RowSchema<T, F>>, RowSchema<T, F>> {
  return withSchema('row', rowRuleFields, def);
}

/** Defines a table-level rule type from its own keys; the common keys are added. */
export function defineTableRule<T extends string, F extends z.ZodRawShape>(
  def: Definition<TableRuleType<T, z.output<TableSchema<T, F>>>, T, F>,
): TableRuleType<T, z.output<TableSchema<T, F>>, TableSchema<T, F>> {
  return withSchema('table', ruleFields, def);
}

function withSchema<L, C extends z.ZodRawShape, T extends string, F extends z.ZodRawShape, H>(
  level: L,
  common: C,
  def: { type: T; fields: F } & H,
) {
  const { fields, ...handlers } = def;
  return { ...handlers, level, schema: z.object({ ...common, type: z.literal(def.type), ...fields }).strict() };
}

/** A count as people read it: `2,000`. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** `part` as a percent of `whole`, to two decimals (0 of nothing is 0%). */
export const percentOf = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100;

/** A rule's filter as a predicate: only matching rows are checked (`TRUE` without one). */
export const filterSql = (rule: { filter?: string }): string => (rule.filter ? `(${rule.filter})` : 'TRUE');
