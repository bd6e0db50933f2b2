import { decimalSpec, type ColumnType, type LandingColumnType } from '../../../lib/config/schema';
import { assertIdentifier, sqlLiteral, standardDialectParts, type Dialect, type ExportColumn } from '../dialect';
import type { SqlValue, TableRef } from '../sql-types';
import { widenedColumn, type ColumnShape } from '../../../lib/schema-change';
import { snowflakeColumnShape, snowflakeWidenColumn } from './snowflake-schema-evolution';

const TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  integer: 'NUMBER(38,0)',
  decimal: 'NUMBER(18,2)',
  date: 'DATE',
  timestamp: 'TIMESTAMP_TZ',
  boolean: 'BOOLEAN',
};

/** The engine type of a landing column type; `decimal(p,s)` keeps its declared precision and scale. */
function engineType(type: LandingColumnType): string {
  const spec = decimalSpec(type);
  return spec ? `NUMBER(${spec.precision},${spec.scale})` : TYPES[type as ColumnType];
}

/**
 * Snowflake's SQL flavour. Identifiers are quoted in upper case, which is what Snowflake stores for
 * unquoted names, so `raw.claims` and `"RAW"."CLAIMS"` are the same table.
 */
export const snowflakeDialect: Dialect = Object.freeze({
  name: 'snowflake',
  storedCase: (name: string) => name.toUpperCase(),
  quoteIdent: (name: string) => `"${assertIdentifier(name).toUpperCase()}"`,
  ...standardDialectParts,
  literal: (value: SqlValue): string => sqlLiteral(value, (text) => text.replace(/\\/g, '\\\\').replace(/'/g, "''")),
  columnType: (type: LandingColumnType) => engineType(type),
  tryCast: (expr: string, type: LandingColumnType) => `TRY_CAST(${expr} AS ${engineType(type)})`,
  regexFullMatch(expr: string, pattern: string) {
    return `REGEXP_LIKE(${expr}, ${this.literal(pattern)})`; // anchored at both ends, like regexp_full_match
  },
  minutesBetween: (start: string, end: string) => `DATEDIFF('minute', ${start}, ${end})`,
  now: () => 'CURRENT_TIMESTAMP()',
  epochMs: (expr: string) => `DATE_PART(epoch_millisecond, ${expr})`,
  fromEpochMs: (expr: string) => `TO_TIMESTAMP_TZ(CAST(${expr} AS BIGINT), 3)`,
  jsonText(doc: string, key: string) {
    return `JSON_EXTRACT_PATH_TEXT(${doc}, ${this.literal(assertIdentifier(key))})`;
  },
  describeColumns: (relation: string) => ({ sql: `DESCRIBE TABLE ${relation}`, nameColumn: 'name' }),
  // dbt-snowflake: `alter <table|view> <relation> alter <column> comment …`.
  columnComment(kind: 'table' | 'view', relation: string, column: string, comment: string) {
    return `ALTER ${kind.toUpperCase()} ${relation} MODIFY COLUMN ${column} COMMENT ${this.literal(comment)}`;
  },
  commentColumns: { table: 'comment', column: 'comment' },
  nextValue(sequence: TableRef) {
    return `${this.table(sequence)}.NEXTVAL`;
  },
  rowJson: (alias: string) => `TO_JSON(OBJECT_CONSTRUCT(${alias}.*))`,
  rowHash: (alias: string) => `TO_VARCHAR(HASH(${alias}.*))`,
  typeFamily(engineType: string): ColumnType | undefined {
    const t = engineType.toUpperCase();
    if (/^(VARCHAR|TEXT|STRING|CHAR)/.test(t)) return 'string';
    if (/^(NUMBER|DECIMAL|NUMERIC)\(\d+,\s*0\)$|^(INT|INTEGER|BIGINT|SMALLINT)$/.test(t)) return 'integer';
    if (/^(NUMBER|DECIMAL|NUMERIC|FLOAT|DOUBLE|REAL)/.test(t)) return 'decimal';
    if (t === 'DATE') return 'date';
    if (t.startsWith('TIMESTAMP')) return 'timestamp';
    if (t === 'BOOLEAN') return 'boolean';
    return undefined;
  },
  columnShape: (engineType: string) => snowflakeColumnShape(engineType),
  widenColumn(ref: TableRef, column: string, from: ColumnShape, to: string): string[] {
    const temp = this.quoteIdent(widenedColumn(column));
    return snowflakeWidenColumn(this.table(ref), this.quoteIdent(column), temp, from, to);
  },
  selfRefreshingTable(
    ref: TableRef,
    select: string,
    targetLagSeconds: number,
    sources: readonly TableRef[],
    warehouse: string,
  ): string[] {
    // Change tracking on the sources lets the dynamic table refresh incrementally where its query allows.
    return [
      ...sources.map((s) => `ALTER TABLE ${this.table(s)} SET CHANGE_TRACKING = TRUE`),
      `CREATE OR REPLACE DYNAMIC TABLE ${this.table(ref)} TARGET_LAG = '${Math.round(this.selfRefreshingLag(targetLagSeconds))} seconds'
       WAREHOUSE = ${this.quoteIdent(warehouse)} REFRESH_MODE = AUTO AS ${select}`,
    ];
  },
  /** Snowflake's shortest TARGET_LAG is a minute. */
  selfRefreshingLag: (targetLagSeconds: number) => Math.max(60, targetLagSeconds),
  selfRefreshTimes(schema: string): string {
    return `SHOW DYNAMIC TABLES IN SCHEMA ${this.quoteIdent(schema)}`;
  },
  exportColumn(engineType: string): ExportColumn {
    const t = engineType.toUpperCase();
    const as = (type: string, delta: string): ExportColumn => ({ select: (c) => `CAST(${c} AS ${type})`, delta });
    const decimal = /^(?:NUMBER|DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)$/.exec(t);
    // Scale 0 and at most 18 digits fit a long; Snowflake's INTEGER is NUMBER(38,0) and stays decimal(38,0).
    if (decimal && decimal[2] === '0' && Number(decimal[1]) <= 18) return as('BIGINT', 'long');
    if (decimal) return as(t, `decimal(${decimal[1]},${decimal[2]})`);
    if (/^(FLOAT|DOUBLE|REAL)/.test(t)) return as('DOUBLE', 'double');
    if (t === 'DATE') return as('DATE', 'date');
    if (t === 'TIMESTAMP_NTZ' || t === 'DATETIME')
      return { select: (c) => `CONVERT_TIMEZONE('UTC', ${c})::TIMESTAMP_TZ`, delta: 'timestamp' };
    if (t.startsWith('TIMESTAMP')) return as('TIMESTAMP_TZ', 'timestamp');
    if (t === 'BOOLEAN') return as('BOOLEAN', 'boolean');
    return as('VARCHAR', 'string');
  },
});
