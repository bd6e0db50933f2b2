// Cron expressions evaluated in a time zone, as a Temporal Schedule's `cronExpressions` + `timezone` fire.
// Pure (Intl only), so config validation, `edp pipelines show` and the pipeline workflow (which derives a
// scheduled run's data interval from the previous fire time) share one reading of an expression.

/** A cron expression that does not parse; the message says which field and why. */
export class CronError extends TypeError {}

/** A parsed five-field cron expression: the values each field allows. */
export interface CronSpec {
  readonly text: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekdays: ReadonlySet<number>;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: string[]; base?: number }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, base: 0 },
];

function fieldValues(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const value = (token: string): number => {
    const named = f.names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + (f.base ?? 0);
    if (!/^\d+$/.test(token)) throw new CronError(`${f.name} "${token}" is not a number`);
    const n = Number(token);
    if (n < f.min || n > f.max) throw new CronError(`${f.name} ${n} is outside ${f.min}–${f.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new CronError(`${f.name} "${part}" is not a value, range or step`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`${f.name} step "${stepText}" must be 1 or more`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [f.min, f.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw new CronError(`${f.name} range "${range}" runs backwards`);
    } else [lo, hi] = [value(range), stepText === undefined ? value(range) : f.max];
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field cron expression (names, ranges, steps, lists, `@daily`-style macros); throws CronError. */
export function parseCron(expression: string): CronSpec {
  const text = expression.trim();
  const expanded = MACROS[text.toLowerCase()] ?? text;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(
      `"${expression}" has ${parts.length} fields; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => fieldValues(p, FIELDS[i]));
  if (weekdays.delete(7)) weekdays.add(0);
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
  return { text, minutes: sorted(minutes), hours: sorted(hours), days, months, weekdays };
}

/** The wall-clock parts of an instant in a time zone. */
interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallTime(ms: number, timeZone: string): WallTime {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute };
}

/** Throws CronError unless `timeZone` is an IANA zone name this runtime knows. */
export function checkTimeZone(timeZone: string): void {
  try {
    wallTime(0, timeZone);
  } catch {
    throw new CronError(`unknown time zone "${timeZone}" (expected an IANA name such as America/New_York)`);
  }
}

/**
 * The instant of a wall-clock time in a zone. A time skipped by a spring-forward change moves forward by the
 * change (02:30 → 03:30); a time that occurs twice at fall-back is its first occurrence.
 */
export function zonedInstant(t: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  const offsetAt = (ms: number): number => {
    const w = wallTime(ms, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(ms / 60_000) * 60_000;
  };
  const first = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(first);
  return Math.min(first, second);
}

const DAY_MS = 86_400_000;

/** The fire instants of one local calendar day (`dayMs` is that date at 00:00 UTC), in order. */
function firesOnDay(spec: CronSpec, timeZone: string, dayMs: number): number[] {
  const d = new Date(dayMs);
  const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  if (!spec.days.has(day) || !spec.months.has(month) || !spec.weekdays.has(d.getUTCDay())) return [];
  const out = new Set<number>();
  for (const hour of spec.hours)
    for (const minute of spec.minutes) out.add(zonedInstant({ year, month, day, hour, minute }, timeZone));
  return [...out].sort((a, b) => a - b);
}

/** The local date (as 00:00 UTC of that date) of an instant in a zone. */
function localDay(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day);
}

/**
 * The times the expression fires in (from, to], in order. Day-of-month and day-of-week must both match
 * (a Temporal calendar's rule, unlike classic cron's either-or).
 */
export function cronTimesBetween(spec: CronSpec, timeZone: string, from: Date, to: Date): Date[] {
  const out: Date[] = [];
  const last = localDay(to.getTime(), timeZone);
  for (let day = localDay(from.getTime(), timeZone) - DAY_MS; day <= last + DAY_MS; day += DAY_MS) {
    for (const t of firesOnDay(spec, timeZone, day))
      if (t > from.getTime() && t <= to.getTime() && !out.some((o) => o.getTime() === t)) out.push(new Date(t));
  }
  return out.sort((a, b) => a.getTime() - b.getTime());
}

/** Days searched backwards for a previous fire time: covers a February 29th expression. */
const SEARCH_DAYS = 366 * 8 + 2;

/** The last fire time strictly before `at`; throws CronError when the expression never fires (e.g. `0 0 31 2 *`). */
export function previousCronTime(spec: CronSpec, timeZone: string, at: Date): Date {
  const start = localDay(at.getTime(), timeZone) + DAY_MS;
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const before = firesOnDay(spec, timeZone, start - i * DAY_MS).filter((t) => t < at.getTime());
    if (before.length > 0) return new Date(before[before.length - 1]);
  }
  throw new CronError(`"${spec.text}" never fires`);
}
