import type { Dialect } from '../warehouse/dialect';
import type { TableRef } from '../warehouse/warehouse';

/** The schema every audit table lives in. */
export const AUDIT_SCHEMA = 'audit';

/**
 * One audit table as the current schema version declares it. Column types are SQL types every engine
 * here accepts as written (`TIMESTAMPTZ` is Snowflake's `TIMESTAMP_TZ`), so the DDL needs no engine branch.
 */
export interface AuditTable<Name extends string = string> {
  /** `audit.<table>`: plain lower-case identifiers, usable unquoted in SQL on every engine. */
  readonly name: Name;
  readonly ref: TableRef;
  /** Column name → SQL type (with `NOT NULL` where declared), in table order: writers insert by position. */
  readonly columns: Readonly<Record<string, string>>;
  readonly primaryKey?: readonly string[];
}

/** Declares an audit table `audit.<table>`. */
export function auditTable<Table extends string>(
  table: Table,
  columns: Readonly<Record<string, string>>,
  primaryKey?: readonly string[],
): AuditTable<`audit.${Table}`> {
  return Object.freeze({ name: `audit.${table}` as const, ref: { schema: AUDIT_SCHEMA, table }, columns, primaryKey });
}

/** `CREATE TABLE IF NOT EXISTS …` for an audit table, in the engine's dialect. */
export function createTableSql(d: Dialect, t: AuditTable): string {
  const columns = Object.entries(t.columns).map(([name, type]) => `${d.quoteIdent(name)} ${type}`);
  if (t.primaryKey) columns.push(`PRIMARY KEY (${t.primaryKey.map((c) => d.quoteIdent(c)).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${d.table(t.ref)} (${columns.join(', ')})`;
}
