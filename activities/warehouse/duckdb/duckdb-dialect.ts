import type { ColumnType } from '../../../lib/config/schema';
import { assertIdentifier, type Dialect } from '../dialect';
import type { SqlValue, TableRef } from '../warehouse';

const TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  decimal: 'DECIMAL(18,2)',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  boolean: 'BOOLEAN',
};

/** DuckDB's SQL flavour. */
export const duckdbDialect: Dialect = Object.freeze({
  name: 'duckdb',
  quoteIdent: (name: string) => `"${assertIdentifier(name)}"`,
  table(ref: TableRef) {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.table)}`;
  },
  literal(value: SqlValue): string {
    if (value === null) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`cannot render ${value} as SQL`);
      return String(value);
    }
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    return `'${value.replace(/'/g, "''")}'`;
  },
  columnType: (type: ColumnType) => TYPES[type],
  tryCast: (expr: string, type: ColumnType) => `TRY_CAST(${expr} AS ${TYPES[type]})`,
  createTableAs(ref: TableRef, select: string) {
    return `CREATE OR REPLACE TABLE ${this.table(ref)} AS ${select}`;
  },
  copyToParquet(select: string, path: string) {
    return `COPY (${select}) TO ${this.literal(path)} (FORMAT PARQUET)`;
  },
});
