/** A data interval [start, end) in UTC, as ISO-8601 strings so it travels safely in Temporal payloads. */
export interface DataInterval {
  start: string;
  end: string;
}

const HOUR_MS = 3_600_000;

/** Thrown for an interval a person typed wrongly; the message says what was expected. */
export class IntervalError extends TypeError {}

function parseInstant(text: string, what: string): Date {
  const trimmed = text.trim();
  // Accept the compact form used in workflow ids (2026-01-01T04:00Z) as well as full ISO-8601.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(trimmed)) {
    throw new IntervalError(`${what} "${text}" is not an ISO-8601 instant such as 2026-01-01T04:00Z`);
  }
  const date = new Date(trimmed.length === 10 ? `${trimmed}T00:00Z` : trimmed);
  if (Number.isNaN(date.getTime())) throw new IntervalError(`${what} "${text}" is not a valid date`);
  return date;
}

/** Builds an interval from two instants, rejecting empty or reversed ones. */
export function makeInterval(start: Date, end: Date): DataInterval {
  if (!(end.getTime() > start.getTime())) {
    throw new IntervalError(`interval end ${end.toISOString()} must be after its start ${start.toISOString()}`);
  }
  return { start: start.toISOString(), end: end.toISOString() };
}

/** Parses `<start>/<end>` (ISO-8601 instants) as typed on the command line. */
export function parseInterval(text: string): DataInterval {
  const parts = text.split('/');
  if (parts.length !== 2)
    throw new IntervalError(`interval "${text}" must be <start>/<end>, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z`);
  return makeInterval(parseInstant(parts[0], 'interval start'), parseInstant(parts[1], 'interval end'));
}

/**
 * The interval a scheduled run covers: the `hours`-long slot that ends at the slot boundary at or
 * before `scheduledTime` (Airflow semantics: the 08:00 run processes [04:00, 08:00)).
 */
export function intervalEndingAt(scheduledTime: Date, hours: number): DataInterval {
  const slot = hours * HOUR_MS;
  const end = Math.floor(scheduledTime.getTime() / slot) * slot;
  return makeInterval(new Date(end - slot), new Date(end));
}

/** The aligned `hours`-long intervals whose start lies in [from, to). */
export function intervalsBetween(from: Date, to: Date, hours: number): DataInterval[] {
  const slot = hours * HOUR_MS;
  const result: DataInterval[] = [];
  for (let t = Math.ceil(from.getTime() / slot) * slot; t < to.getTime(); t += slot) {
    result.push(makeInterval(new Date(t), new Date(t + slot)));
  }
  return result;
}

/** `2026-01-01T04:00Z`: the readable minute-precision form used in workflow ids and the Web UI. */
export function compactInstant(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16)}Z`;
}

/** `20260101T0400`: the interval stamp used in landing-file names. */
export function fileStamp(iso: string): string {
  const s = new Date(iso).toISOString();
  return `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}T${s.slice(11, 13)}${s.slice(14, 16)}`;
}

/** Human form of an interval for logs and summaries. */
export function describeInterval(interval: DataInterval): string {
  return `[${compactInstant(interval.start)}, ${compactInstant(interval.end)})`;
}
