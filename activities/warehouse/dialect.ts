import type { ColumnType } from '../../lib/config/schema';
import type { SqlValue, TableRef } from './warehouse';

/** SQL that differs between engines; callers never branch on the engine name. */
export interface Dialect {
  readonly name: string;
  /** Quotes one identifier. */
  quoteIdent(name: string): string;
  /** Quotes `schema.table`. */
  table(ref: TableRef): string;
  /** Renders a literal value. */
  literal(value: SqlValue): string;
  /** The engine's type for a platform column type. */
  columnType(type: ColumnType): string;
  /** An expression that casts `expr` to `type`, giving NULL instead of failing. */
  tryCast(expr: string, type: ColumnType): string;
  /** `CREATE OR REPLACE TABLE … AS <select>`. */
  createTableAs(ref: TableRef, select: string): string;
  /** A statement that writes a query's result to a Parquet file. */
  copyToParquet(select: string, path: string): string;
}

/** Rejects anything but plain identifiers before quoting, so config cannot inject SQL. */
export function assertIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) throw new TypeError(`"${name}" is not a valid SQL identifier`);
  return name;
}
