import type { ColumnShape } from '../../../lib/schema-change';

/** Snowflake's longest VARCHAR, which is what a VARCHAR declared without a length is. */
const MAX_TEXT = 16_777_216;

/** What a column of Snowflake type `engineType` (as the warehouse describes it) holds. */
export function snowflakeColumnShape(engineType: string): ColumnShape {
  const t = engineType.toUpperCase().trim();
  const text = /^(?:VARCHAR|TEXT|STRING|CHAR|CHARACTER)(?:\((\d+)\))?$/.exec(t);
  if (text) return text[1] && Number(text[1]) < MAX_TEXT ? { kind: 'text', length: Number(text[1]) } : { kind: 'text' };
  const number = /^(?:NUMBER|DECIMAL|NUMERIC)(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (number) {
    const precision = Number(number[1] ?? 38);
    const scale = Number(number[2] ?? 0);
    // The platform's integer is NUMBER(38,0); INT and its synonyms are stored as that too.
    return { kind: 'number', precision, scale, integer: precision === 38 && scale === 0 };
  }
  if (/^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)$/.test(t))
    return { kind: 'number', precision: 38, scale: 0, integer: true };
  if (/^(FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)$/.test(t)) return { kind: 'float' };
  if (t === 'DATE') return { kind: 'date' };
  if (t.startsWith('TIMESTAMP') || t === 'DATETIME') return { kind: 'timestamp' };
  if (t === 'BOOLEAN') return { kind: 'boolean' };
  return { kind: 'other', name: t };
}

/**
 * Snowflake alters a column's type in place only for a longer text or a NUMBER of more precision and
 * the same scale. A new scale (an integer becoming a decimal) is a new column: add it, copy the values
 * (the cast never rounds: the platform checked they fit), drop the old one and give the new one its
 * name. Each statement is safe to run again after a crash or beside another worker: the steps are
 * guarded by IF [NOT] EXISTS, and the copy only fills rows not copied yet.
 */
export function snowflakeWidenColumn(
  table: string,
  column: string,
  temp: string,
  from: ColumnShape,
  to: string,
): string[] {
  const target = snowflakeColumnShape(to);
  if (from.kind !== 'number' || target.kind !== 'number' || target.scale === from.scale)
    return [`ALTER TABLE ${table} ALTER COLUMN ${column} SET DATA TYPE ${to}`];
  return [
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${temp} ${to}`,
    `UPDATE ${table} SET ${temp} = CAST(${column} AS ${to}) WHERE ${temp} IS NULL AND ${column} IS NOT NULL`,
    `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${column}`,
    `ALTER TABLE ${table} RENAME COLUMN ${temp} TO ${column}`,
  ];
}
