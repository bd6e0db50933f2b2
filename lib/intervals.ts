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

/** `2026-01-01T04:00Z/2026-01-01T08:00Z`: an interval as typed after `--interval`. */
export function intervalArgument(interval: DataInterval): string {
  return `${compactInstant(interval.start)}/${compactInstant(interval.end)}`;
}

/**
 * The valid intervals nearest an off-schedule one: for a short one, the slots holding its start and its end;
 * for a longer one, the aligned ranges just inside and just around it.
 */
function nearestScheduleIntervals(start: number, end: number, slot: number): DataInterval[] {
  const floor = (t: number): number => Math.floor(t / slot) * slot;
  const ceil = (t: number): number => Math.ceil(t / slot) * slot;
  const at = (s: number, e: number): DataInterval => makeInterval(new Date(s), new Date(e));
  const candidates =
    end - start <= slot
      ? [at(floor(start), floor(start) + slot), at(floor(end - 1), floor(end - 1) + slot)]
      : [at(ceil(start), floor(end)), at(floor(start), ceil(end))].filter((i) => i.end > i.start);
  return candidates.filter((c, i) => candidates.findIndex((d) => d.start === c.start && d.end === c.end) === i);
}

/**
 * The schedule's `hours`-long intervals an interval is made of, in order. Throws {@link IntervalError}, naming
 * the nearest valid intervals, when its start or end is off the schedule's grid (multiples of `hours` since
 * 1970-01-01T00:00Z, the slots scheduled runs cover): a run for it would be named after a slot it does not match.
 */
export function scheduleIntervals(interval: DataInterval, hours: number): DataInterval[] {
  const slot = hours * HOUR_MS;
  const [start, end] = [Date.parse(interval.start), Date.parse(interval.end)];
  if (start % slot !== 0 || end % slot !== 0) {
    const nearest = nearestScheduleIntervals(start, end, slot).map(intervalArgument);
    throw new IntervalError(
      `interval ${intervalArgument(interval)} is not made of the pipeline's ${hours}-hour intervals ` +
        `(pipeline.intervalHours; they start at multiples of ${hours} h from 00:00 UTC); ` +
        `the nearest valid: ${nearest.join(' or ')}`,
    );
  }
  return intervalsBetween(new Date(start), new Date(end), hours);
}

/**
 * The one schedule interval `interval` is; throws {@link IntervalError} when it is off the grid (see
 * {@link scheduleIntervals}) or spans several, naming the first and the backfill that runs them all.
 */
export function scheduleInterval(interval: DataInterval, hours: number): DataInterval {
  const parts = scheduleIntervals(interval, hours);
  if (parts.length > 1)
    throw new IntervalError(
      `interval ${intervalArgument(interval)} spans ${parts.length} of the pipeline's ${hours}-hour intervals; ` +
        `a run covers one, e.g. ${intervalArgument(parts[0])}; run them all with ` +
        `\`npx edp backfill --from ${compactInstant(interval.start)} --to ${compactInstant(interval.end)} --mode all\``,
    );
  return parts[0];
}
