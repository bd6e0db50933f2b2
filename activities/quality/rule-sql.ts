import type { Dialect, TableRef } from '../warehouse';
import { isRowRule, type Rule, type RowRule } from './rule-file';
import { filterSql, ruleTypeOf } from './rules';

/** Expression naming a row: its key columns joined by `|`, or a hash of the whole row. */
export function rowKeySql(d: Dialect, key: readonly string[] | undefined, alias = 't'): string {
  if (!key) return d.rowHash(alias);
  return `concat_ws('|', ${key.map((k) => `CAST(${alias}.${d.quoteIdent(k)} AS VARCHAR)`).join(', ')})`;
}

/** SQL counting the rows a rule checks (those matching its filter). */
export function checkedRowsSql(d: Dialect, target: TableRef, rule: Rule): string {
  return `SELECT count(*) AS n FROM ${d.table(target)} t WHERE ${filterSql(rule)}`;
}

/**
 * SQL selecting a row-level rule's failing rows as (row_key, column_name, value, message, row_json):
 * one row per failing row and column, so the error table says exactly what was wrong.
 */
export function violationsSql(d: Dialect, target: TableRef, key: readonly string[] | undefined, rule: RowRule): string {
  const id = rowKeySql(d, key);
  const json = d.rowJson('t');
  return ruleTypeOf(rule).violationsSql(
    {
      d,
      table: `${d.table(target)} t`,
      where: filterSql(rule),
      text: (col) => `CAST(t.${d.quoteIdent(col)} AS VARCHAR)`,
      select: (column, value, message) =>
        `SELECT ${id} AS row_key, ${d.literal(column)} AS column_name, ${value} AS value, ${message} AS message, ${json} AS row_json`,
    },
    rule,
  );
}

/** SQL for a table-level rule, returning one row with the observed figure(s); none for row-level rules. */
export function tableRuleSql(d: Dialect, target: TableRef, rule: Rule, intervalEnd?: string): string | undefined {
  if (isRowRule(rule)) return undefined; // row-level rules use violationsSql
  return ruleTypeOf(rule).sql?.({ d, table: `${d.table(target)} t`, where: filterSql(rule), intervalEnd }, rule);
}
