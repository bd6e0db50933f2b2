import type { ColumnShape } from '../../lib/schema-change';

/** A text column's shape: `length` characters at most, unbounded without one. */
export const text = (length?: number): ColumnShape =>
  length === undefined ? { kind: 'text' } : { kind: 'text', length };

/** A number column's shape; `integer` for an engine's integer type. */
export const num = (precision: number, scale: number, integer = false): ColumnShape => ({
  kind: 'number',
  precision,
  scale,
  integer,
});

/** DuckDB's BIGINT, the platform's integer there. */
export const BIGINT = num(19, 0, true);
