import { decimalSpec, type ColumnType, type LandingColumnType } from '../../../lib/config/schema';
import { assertIdentifier, sqlLiteral, standardDialectParts, type Dialect, type ExportColumn } from '../dialect';
import type { SqlValue, TableRef } from '../sql-types';
import type { ColumnShape } from '../../../lib/schema-change';
import { duckdbColumnShape } from './duckdb-schema-evolution';

const TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  decimal: 'DECIMAL(18,2)',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  boolean: 'BOOLEAN',
};

/** The engine type of a landing column type; `decimal(p,s)` keeps its declared precision and scale. */
function engineType(type: LandingColumnType): string {
  const spec = decimalSpec(type);
  return spec ? `DECIMAL(${spec.precision},${spec.scale})` : TYPES[type as ColumnType];
}

/** DuckDB's SQL flavour. */
export const duckdbDialect: Dialect = Object.freeze({
  name: 'duckdb',
  storedCase: (name: string) => name,
  quoteIdent: (name: string) => `"${assertIdentifier(name)}"`,
  ...standardDialectParts,
  literal: (value: SqlValue): string => sqlLiteral(value, (text) => text.replace(/'/g, "''")),
  columnType: (type: LandingColumnType) => engineType(type),
  tryCast: (expr: string, type: LandingColumnType) => `TRY_CAST(${expr} AS ${engineType(type)})`,
  regexFullMatch(expr: string, pattern: string) {
    return `regexp_full_match(${expr}, ${this.literal(pattern)})`;
  },
  minutesBetween: (start: string, end: string) => `date_diff('minute', ${start}, ${end})`,
  now: () => 'now()',
  epochMs: (expr: string) => `epoch_ms(${expr})`,
  fromEpochMs: (expr: string) => `epoch_ms(CAST(${expr} AS BIGINT))`,
  jsonText(doc: string, key: string) {
    return `json_extract_string(${doc}, ${this.literal(`$.${assertIdentifier(key)}`)})`;
  },
  describeColumns: (relation: string) => ({ sql: `DESCRIBE SELECT * FROM ${relation}`, nameColumn: 'column_name' }),
  // dbt-duckdb: `comment on column <relation>.<column> is …`, for tables and views alike.
  columnComment(_kind: 'table' | 'view', relation: string, column: string, comment: string) {
    return `COMMENT ON COLUMN ${relation}.${column} IS ${this.literal(comment)}`;
  },
  commentColumns: { table: 'table_comment', column: 'column_comment' },
  nextValue(sequence: TableRef) {
    return `nextval(${this.literal(`${sequence.schema}.${sequence.table}`)})`;
  },
  rowJson: (alias: string) => `to_json(${alias})::VARCHAR`,
  rowHash: (alias: string) => `md5(${alias}::VARCHAR)`,
  typeFamily: (engineType: string) => typeFamily(engineType),
  columnShape: (engineType: string) => duckdbColumnShape(engineType),
  widenColumn(ref: TableRef, column: string, _from: ColumnShape, to: string): string[] {
    // In place, whatever the widening: one statement, which DuckDB runs as a transaction of its own.
    return [`ALTER TABLE ${this.table(ref)} ALTER COLUMN ${this.quoteIdent(column)} SET DATA TYPE ${to}`];
  },
  exportColumn(engineType: string): ExportColumn {
    const t = engineType.toUpperCase();
    const as = (type: string, delta: string): ExportColumn => ({ select: (c) => `CAST(${c} AS ${type})`, delta });
    const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
    if (decimal) return as(t, `decimal(${decimal[1]},${decimal[2]})`);
    if (t === 'HUGEINT' || t === 'UBIGINT') return as('DECIMAL(38,0)', 'decimal(38,0)');
    if (/^(DOUBLE|FLOAT|REAL)$/.test(t)) return as('DOUBLE', 'double');
    if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return as('TIMESTAMPTZ', 'timestamp');
    // A naive timestamp is UTC in this platform: attach +00 explicitly, whatever the machine's zone.
    if (t.startsWith('TIMESTAMP') || t === 'DATETIME')
      return { select: (c) => `CAST(CAST(${c} AS TIMESTAMP) || '+00' AS TIMESTAMPTZ)`, delta: 'timestamp' };
    const family = typeFamily(t);
    if (family === 'integer') return as('BIGINT', 'long');
    if (family === 'date') return as('DATE', 'date');
    if (family === 'boolean') return as('BOOLEAN', 'boolean');
    return as('VARCHAR', 'string');
  },
});

function typeFamily(engineType: string): ColumnType | undefined {
  const t = engineType.toUpperCase();
  if (/^(VARCHAR|TEXT|STRING|CHAR)/.test(t)) return 'string';
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t)) return 'integer';
  if (/^(DECIMAL|NUMERIC|DOUBLE|FLOAT|REAL)/.test(t)) return 'decimal';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'BOOLEAN') return 'boolean';
  return undefined;
}
