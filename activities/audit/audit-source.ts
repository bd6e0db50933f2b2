import type { Dialect } from '../warehouse/dialect';
import type { Row } from '../warehouse/warehouse';

/** What the audit readers need: the engine's dialect and a read query. A warehouse is one; so is the CLI's route to the worker. */
export interface AuditSource {
  readonly dialect: Dialect;
  query(sql: string): Promise<Row[]>;
}

/** A timestamp column as epoch milliseconds, which every engine returns as a number (formats of timestamp text differ). */
export const epochMsOf = (d: Dialect, column: string): string => `${d.epochMs(d.quoteIdent(column))} AS ${column}_ms`;

/** An instant from epoch milliseconds as ISO-8601 UTC (`…T04:00:00.000Z`); null stays null. */
export function isoInstant(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

/** As {@link isoInstant}, without the milliseconds (`…T04:00:00Z`), as interval bounds are written. */
export function isoSecond(ms: unknown): string | null {
  return isoInstant(ms)?.replace(/\.\d{3}Z$/, 'Z') ?? null;
}

/** A number column that a driver may return as a string (64-bit integers); null stays null. */
export const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A text column (anything else as JSON text); null stays null. */
export function textOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
