import { tableRef, type Dialect, type TableRef } from '../warehouse';
import type { Rule, RowRule } from './rule-file';

/** Expression naming a row: its key columns joined by `|`, or a hash of the whole row. */
export function rowKeySql(d: Dialect, key: readonly string[] | undefined, alias = 't'): string {
  if (!key) return d.rowHash(alias);
  return `concat_ws('|', ${key.map((k) => `CAST(${alias}.${d.quoteIdent(k)} AS VARCHAR)`).join(', ')})`;
}

const where = (rule: Rule): string => (rule.filter ? `(${rule.filter})` : 'TRUE');

/** SQL counting the rows a rule checks (those matching its filter). */
export function checkedRowsSql(d: Dialect, target: TableRef, rule: Rule): string {
  return `SELECT count(*) AS n FROM ${d.table(target)} t WHERE ${where(rule)}`;
}

/**
 * SQL selecting a row-level rule's failing rows as (row_key, column_name, value, message, row_json):
 * one row per failing row and column, so the error table says exactly what was wrong.
 */
export function violationsSql(d: Dialect, target: TableRef, key: readonly string[] | undefined, rule: RowRule): string {
  const tbl = `${d.table(target)} t`;
  const id = rowKeySql(d, key);
  const json = d.rowJson('t');
  const text = (col: string): string => `CAST(t.${d.quoteIdent(col)} AS VARCHAR)`;
  const select = (column: string | null, value: string, message: string): string =>
    `SELECT ${id} AS row_key, ${d.literal(column)} AS column_name, ${value} AS value, ${message} AS message, ${json} AS row_json`;
  switch (rule.type) {
    case 'mandatory':
      return rule.columns
        .map(
          (c) =>
            `${select(c, 'NULL', d.literal('missing mandatory value'))} FROM ${tbl} WHERE ${where(rule)} AND (t.${d.quoteIdent(c)} IS NULL OR trim(${text(c)}) = '')`,
        )
        .join(' UNION ALL ');
    case 'format': {
      const c = rule.column;
      const ok =
        rule.regex !== undefined ? d.regexFullMatch(text(c), rule.regex) : `coalesce((${rule.expression}), FALSE)`;
      const message = rule.regex !== undefined ? `does not match ${rule.regex}` : `fails ${rule.expression}`;
      return `${select(c, text(c), d.literal(message))} FROM ${tbl} WHERE ${where(rule)} AND t.${d.quoteIdent(c)} IS NOT NULL AND NOT ${ok}`;
    }
    case 'lookup': {
      const c = d.quoteIdent(rule.column);
      const ref = rule.references;
      return `${select(rule.column, text(rule.column), d.literal(`not found in ${ref.table}.${ref.column}`))} FROM ${tbl}
        WHERE ${where(rule)} AND t.${c} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${d.table(tableRef(ref.table))} r WHERE r.${d.quoteIdent(ref.column)} = t.${c})`;
    }
    case 'duplicates': {
      const cols = rule.columns.map((c) => `t.${d.quoteIdent(c)}`).join(', ');
      const value = `concat_ws('|', ${rule.columns.map(text).join(', ')})`;
      const message = d.literal(
        `duplicate of an earlier row by (${rule.columns.join(', ')}) ordered by ${rule.orderBy}`,
      );
      return `${select(rule.columns.join(','), value, message)} FROM (
          SELECT t.*, row_number() OVER (PARTITION BY ${cols} ORDER BY ${rule.orderBy}) AS edp_dup_rank FROM ${tbl} WHERE ${where(rule)}
        ) t WHERE t.edp_dup_rank > 1`;
    }
    case 'business':
      return `${select(null, 'NULL', d.literal(`violates ${rule.expression}`))} FROM ${tbl} WHERE ${where(rule)} AND NOT coalesce((${rule.expression}), FALSE)`;
  }
}

/** SQL for a table-level rule, returning one row with the observed figure(s). */
export function tableRuleSql(d: Dialect, target: TableRef, rule: Rule, intervalEnd?: string): string | undefined {
  const tbl = `${d.table(target)} t`;
  switch (rule.type) {
    case 'row_count':
      return `SELECT count(*) AS n FROM ${tbl} WHERE ${where(rule)}`;
    case 'completeness':
      return `SELECT count(*) AS checked, count(t.${d.quoteIdent(rule.column)}) AS present FROM ${tbl} WHERE ${where(rule)}`;
    case 'freshness': {
      const newest = `CAST(max(t.${d.quoteIdent(rule.column)}) AS ${d.columnType('timestamp')})`;
      const reference =
        rule.relativeTo === 'interval_end' && intervalEnd
          ? `CAST(${d.literal(intervalEnd)} AS ${d.columnType('timestamp')})`
          : d.now();
      return `SELECT CAST(${newest} AS VARCHAR) AS newest, ${d.minutesBetween(newest, reference)} AS age_minutes FROM ${tbl} WHERE ${where(rule)}`;
    }
    default:
      return undefined; // schema rules read the catalog; row-level rules use violationsSql
  }
}
