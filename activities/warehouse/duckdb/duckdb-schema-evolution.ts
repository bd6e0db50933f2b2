import type { ColumnShape } from '../../../lib/schema-change';

/** Digits of DuckDB's integer types: the widest value each holds. */
const INTEGER_DIGITS: Record<string, number> = {
  TINYINT: 3,
  UTINYINT: 3,
  SMALLINT: 5,
  USMALLINT: 5,
  INTEGER: 10,
  INT: 10,
  UINTEGER: 10,
  BIGINT: 19,
  UBIGINT: 20,
  HUGEINT: 39,
  UHUGEINT: 39,
};

/** What a column of DuckDB type `engineType` (as `information_schema` spells it) holds. */
export function duckdbColumnShape(engineType: string): ColumnShape {
  const t = engineType.toUpperCase().trim();
  const text = /^(?:VARCHAR|TEXT|STRING|CHAR)(?:\((\d+)\))?$/.exec(t);
  if (text) return text[1] ? { kind: 'text', length: Number(text[1]) } : { kind: 'text' };
  if (t in INTEGER_DIGITS) return { kind: 'number', precision: INTEGER_DIGITS[t], scale: 0, integer: true };
  const decimal = /^(?:DECIMAL|NUMERIC)(?:\((\d+),\s*(\d+)\))?$/.exec(t);
  if (decimal) {
    // DuckDB's DECIMAL without arguments is DECIMAL(18,3).
    return { kind: 'number', precision: Number(decimal[1] ?? 18), scale: Number(decimal[2] ?? 3), integer: false };
  }
  if (/^(DOUBLE|FLOAT|REAL)$/.test(t)) return { kind: 'float' };
  if (t === 'DATE') return { kind: 'date' };
  if (t.startsWith('TIMESTAMP') || t === 'DATETIME') return { kind: 'timestamp' };
  if (t === 'BOOLEAN' || t === 'BOOL') return { kind: 'boolean' };
  return { kind: 'other', name: t };
}
