import { BadInputError } from './errors';

/**
 * A column type as far as schema evolution cares: what values it can hold. Each engine's dialect reads
 * its own type names into one (DuckDB `BIGINT` is a 19-digit integer, Snowflake `NUMBER(38,0)` a
 * 38-digit one), so the decision below is the same on every engine.
 */
export type ColumnShape =
  | { kind: 'text'; /** Characters at most; unbounded when absent. */ length?: number }
  | {
      kind: 'number';
      /** Digits in all. */
      precision: number;
      /** Digits after the point. */
      scale: number;
      /** An integer type of the engine (not a decimal that happens to have scale 0). */
      integer: boolean;
    }
  | { kind: 'float' | 'date' | 'timestamp' | 'boolean' }
  | { kind: 'other'; name: string };

/**
 * What to do with an existing column whose declared type changed: keep it as it is, widen it (every
 * value it holds stays the same value), or refuse. `valuesMustFit` marks an integer becoming a decimal
 * with fewer digits before the point than the integer type allows: applied only when every value
 * already in the table has at most that many digits there, since the cast would fail or change others.
 */
export type TypeChange =
  { action: 'keep' } | { action: 'widen'; valuesMustFit?: number } | { action: 'refuse'; why: string };

const digitsBefore = (n: { precision: number; scale: number }): number => n.precision - n.scale;

function textChange(from: number | undefined, to: number | undefined): TypeChange {
  if (from === to) return { action: 'keep' };
  if (to === undefined || (from !== undefined && to > from)) return { action: 'widen' };
  return { action: 'refuse', why: 'the new type is shorter: longer values would be cut' };
}

function numberChange(
  from: Extract<ColumnShape, { kind: 'number' }>,
  to: Extract<ColumnShape, { kind: 'number' }>,
): TypeChange {
  if (from.precision === to.precision && from.scale === to.scale) return { action: 'keep' };
  if (to.scale < from.scale)
    return {
      action: 'refuse',
      why: `values would be rounded to ${to.scale} digit${to.scale === 1 ? '' : 's'} after the point`,
    };
  if (digitsBefore(to) >= digitsBefore(from)) return { action: 'widen' };
  if (from.integer && !to.integer) return { action: 'widen', valuesMustFit: digitsBefore(to) };
  return {
    action: 'refuse',
    why: `the new type holds ${digitsBefore(to)} digits before the point, the old one ${digitsBefore(from)}`,
  };
}

/**
 * Decides what an existing column of type `from` becomes when its declared type is `to`: the same
 * kind with room for every value is a widening (longer or unbounded text, more digits, more scale
 * with as many digits before the point, an integer becoming a decimal); anything that could cut,
 * round or reinterpret a value is refused with the reason.
 */
export function typeChange(from: ColumnShape, to: ColumnShape): TypeChange {
  if (from.kind === 'text' && to.kind === 'text') return textChange(from.length, to.length);
  if (from.kind === 'number' && to.kind === 'number') return numberChange(from, to);
  if (from.kind === 'other' || to.kind === 'other') {
    const same = from.kind === 'other' && to.kind === 'other' && from.name === to.name;
    return same ? { action: 'keep' } : { action: 'refuse', why: 'the types are not of one kind' };
  }
  if (from.kind === to.kind) return { action: 'keep' };
  return { action: 'refuse', why: `a ${from.kind} column cannot become a ${to.kind} one without a cast` };
}

/**
 * The name a widened column takes while an engine that cannot change its type in place copies it
 * (Snowflake, for a new scale); found again after a crash between dropping the old column and renaming.
 */
export const widenedColumn = (column: string): string => `${column}__edp_widened`;

/**
 * A declared change to a table the platform loads that it will not apply (a narrowing or a change of
 * kind). Never retried: the config (named by `fix`) or the table must change.
 */
export class SchemaChangeRefused extends BadInputError {}
