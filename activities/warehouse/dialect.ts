import type { ColumnType, LandingColumnType } from '../../lib/config/schema';
import type { ColumnShape } from '../../lib/schema-change';
import type { SqlValue, TableRef } from './sql-types';

/** SQL that differs between engines; callers never branch on the engine name. */
export interface Dialect {
  readonly name: string;
  /** The name the engine stores for an unquoted identifier (Snowflake upper-cases it), which quoting keeps. */
  storedCase(name: string): string;
  /** Quotes one identifier. */
  quoteIdent(name: string): string;
  /** Quotes `schema.table`. */
  table(ref: TableRef): string;
  /** Renders a literal value. */
  literal(value: SqlValue): string;
  /** The engine's type for a platform column type. */
  columnType(type: LandingColumnType): string;
  /** An expression that casts `expr` to `type`, giving NULL instead of failing. */
  tryCast(expr: string, type: LandingColumnType): string;
  /** `CREATE OR REPLACE TABLE … AS <select>`. */
  createTableAs(ref: TableRef, select: string): string;
  /** True when the whole of text `expr` matches the regular expression `pattern`. */
  regexFullMatch(expr: string, pattern: string): string;
  /** Whole minutes from timestamp `start` to timestamp `end`. */
  minutesBetween(start: string, end: string): string;
  /** The current timestamp. */
  now(): string;
  /** Milliseconds since the Unix epoch of timestamp `expr`. */
  epochMs(expr: string): string;
  /** The timestamp `expr` milliseconds after the Unix epoch. */
  fromEpochMs(expr: string): string;
  /** Member `key` of JSON text `doc` as text (strings bare, other values as JSON, null/missing as NULL). */
  jsonText(doc: string, key: string): string;
  /** A statement listing the columns of a table or view (also a temp table), and its column holding the names. */
  describeColumns(relation: string): { sql: string; nameColumn: string };
  /** A statement setting the comment of table or view `relation` (dbt's `persist_docs`). */
  relationComment(kind: 'table' | 'view', relation: string, comment: string): string;
  /** A statement setting the comment of column `column` (quoted) of table or view `relation`, as the engine's dbt adapter writes it. */
  columnComment(kind: 'table' | 'view', relation: string, column: string, comment: string): string;
  /** The information schema's comment columns: of `tables` and of `columns`. */
  readonly commentColumns: { table: string; column: string };
  /** The next value of a sequence, as an expression. */
  nextValue(sequence: TableRef): string;
  /** A row of table alias `alias` as JSON text, so a quarantined row keeps every value. */
  rowJson(alias: string): string;
  /** A text hash of a whole row of table alias `alias` (identity of rows without a key). */
  rowHash(alias: string): string;
  /** What values a column of this engine type (as `describeTable` spells it) holds, for schema evolution. */
  columnShape(engineType: string): ColumnShape;
  /**
   * Statements changing column `column` of `ref` from `from` to engine type `to`, a widening the platform
   * decided on (`typeChange`); each safe to run again after a crash or beside another worker.
   */
  widenColumn(ref: TableRef, column: string, from: ColumnShape, to: string): string[];
  /** The platform type an engine type belongs to (`DECIMAL(18,2)` → decimal), if any. */
  typeFamily(engineType: string): ColumnType | undefined;
  /**
   * How a column of this engine type is exported to Parquet for Delta Lake: the engine type to cast
   * to (timestamps become UTC-adjusted ones) and the Delta primitive type the file then holds.
   */
  exportColumn(engineType: string): ExportColumn;
  /**
   * Statements making the engine itself keep table `ref` equal to `select`, at most `targetLagSeconds`
   * behind `sources`, refreshed on `warehouse` (a Snowflake dynamic table). Absent on engines where the
   * platform refreshes such a table on a timer.
   */
  selfRefreshingTable?(
    ref: TableRef,
    select: string,
    targetLagSeconds: number,
    sources: readonly TableRef[],
    warehouse: string,
  ): string[];
  /** With {@link selfRefreshingTable}: the lag the engine keeps when `targetLagSeconds` is asked for (it may have a minimum). */
  selfRefreshingLag?(targetLagSeconds: number): number;
  /** With {@link selfRefreshingTable}: a statement listing the schema's self-refreshing tables, with `name` and `data_timestamp`. */
  selfRefreshTimes?(schema: string): string;
}

/** A column's export mapping; see {@link Dialect.exportColumn}. */
export interface ExportColumn {
  /** The SQL expression that exports the (quoted) column. */
  select(column: string): string;
  /** Delta Lake primitive type: string, long, double, decimal(p,s), date, timestamp, boolean. */
  delta: string;
}

/** Rejects anything but plain identifiers before quoting, so config cannot inject SQL. */
export function assertIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) throw new TypeError(`"${name}" is not a valid SQL identifier`);
  return name;
}

/** Renders a literal; engines differ only in how a string's characters are escaped. */
export function sqlLiteral(value: SqlValue, escapeText: (text: string) => string): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot render ${value} as SQL`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${escapeText(value)}'`;
}

/** The parts of a dialect every engine here writes the same way; each builds on its own `quoteIdent`. */
export const standardDialectParts = {
  table(this: Dialect, ref: TableRef): string {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.table)}`;
  },
  createTableAs(this: Dialect, ref: TableRef, select: string): string {
    return `CREATE OR REPLACE TABLE ${this.table(ref)} AS ${select}`;
  },
  relationComment(this: Dialect, kind: 'table' | 'view', relation: string, comment: string): string {
    return `COMMENT ON ${kind.toUpperCase()} ${relation} IS ${this.literal(comment)}`;
  },
};
