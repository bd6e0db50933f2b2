import type { SlaConfig } from '../../lib/config/schema';
import { intervalEndingBy, type PlanSchedule } from '../../lib/pipeline-plan';

/** A pipeline run as Temporal's visibility reports it. */
export interface RunInfo {
  intervalStart: Date;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, … */
  status: string;
  closeTime?: Date;
}

/** The intervals runs are judged on: the platform pipeline's hours aligned to UTC midnight, or a declared schedule. */
export type SlaIntervals = { intervalHours: number } | { schedule: PlanSchedule };

/** Everything one SLA check looks at. */
export type SlaInputs = SlaIntervals & {
  now: Date;
  runs: readonly RunInfo[];
  /** The latest scored interval's lowest table score. */
  latestScore?: { intervalStart: string; table: string; score: number };
  /** Newest value per freshness target; `error` when it could not be read. */
  freshness: ReadonlyArray<{ table: string; column: string; newest: Date | null; error?: string }>;
};

/** One SLA's state at a check. */
export interface SlaState {
  /** `latency`, `quality`, `availability` or `freshness:<schema.table>`. */
  sla: string;
  breached: boolean;
  detail: string;
}

const MINUTE = 60_000;
const iso = (d: Date): string => d.toISOString().replace(':00.000Z', 'Z');
const minutes = (ms: number): string => `${Math.round(ms / MINUTE)} min`;

/** The latest interval that ended at or before `t`, as epoch milliseconds. */
function latestIntervalBy(on: SlaIntervals, t: number): { start: number; end: number } {
  const schedule: PlanSchedule =
    'schedule' in on ? on.schedule : { kind: 'every', minutes: on.intervalHours * 60, offsetMinutes: 0 };
  const i = intervalEndingBy(schedule, new Date(t));
  return { start: Date.parse(i.start), end: Date.parse(i.end) };
}

/**
 * An interval start at or before every interval the latency and availability SLAs judge at `now` (the start of the
 * interval that ends at or before the availability window's start): the runs to read begin there.
 */
export function earliestJudgedStart(slas: SlaConfig, on: SlaIntervals, now: Date): Date {
  const lastEnd = latestIntervalBy(on, now.getTime() - (slas.latencyMinutes ?? 0) * MINUTE).end;
  return new Date(latestIntervalBy(on, lastEnd - (slas.availability?.windowHours ?? 0) * 60 * MINUTE).start);
}

/** A run that finished the pipeline (a blocked publish is a quality matter, not latency or availability). */
const finished = (r: RunInfo): boolean => r.status === 'COMPLETED';

/** Evaluates every configured SLA against the inputs; an SLA without a setting is not reported. */
export function evaluateSlas(slas: SlaConfig, inputs: SlaInputs): SlaState[] {
  const states: SlaState[] = [];
  const now = inputs.now.getTime();
  const runsOf = (startMs: number) => inputs.runs.filter((r) => r.intervalStart.getTime() === startMs);

  if (slas.latencyMinutes !== undefined) {
    const allowed = slas.latencyMinutes * MINUTE;
    // The latest interval whose deadline (end + allowed minutes) has passed.
    const { start, end } = latestIntervalBy(inputs, now - allowed);
    const deadline = end + allowed;
    const onTime = runsOf(start).find((r) => finished(r) && r.closeTime && r.closeTime.getTime() <= deadline);
    const late = runsOf(start).find((r) => finished(r));
    const name = `interval ${iso(new Date(start))}`;
    states.push({
      sla: 'latency',
      breached: !onTime,
      detail: onTime
        ? `${name} finished ${minutes(onTime.closeTime!.getTime() - end)} after its end (allowed ${slas.latencyMinutes} min)`
        : late?.closeTime
          ? `${name} finished ${minutes(late.closeTime.getTime() - end)} after its end (allowed ${slas.latencyMinutes} min)`
          : `${name} had not finished ${minutes(now - end)} after its end (allowed ${slas.latencyMinutes} min)`,
    });
  }

  if (slas.qualityScoreMin !== undefined) {
    const s = inputs.latestScore;
    states.push(
      s
        ? {
            sla: 'quality',
            breached: s.score < slas.qualityScoreMin,
            detail: `interval ${s.intervalStart}: lowest score ${s.score}% (${s.table}), minimum ${slas.qualityScoreMin}%`,
          }
        : { sla: 'quality', breached: false, detail: 'no quality scores yet' },
    );
  }

  if (slas.availability) {
    const { percent, windowHours } = slas.availability;
    const grace = (slas.latencyMinutes ?? 0) * MINUTE;
    // The intervals that start within the window before the latest judged end (at least that latest one).
    let interval = latestIntervalBy(inputs, now - grace);
    const windowStart = interval.end - windowHours * 60 * MINUTE;
    let expected = 0;
    let done = 0;
    const missing: string[] = [];
    do {
      expected++;
      if (runsOf(interval.start).some(finished)) done++;
      else missing.push(iso(new Date(interval.start)));
      interval = latestIntervalBy(inputs, interval.start);
    } while (interval.start >= windowStart);
    const got = Math.round((done / expected) * 10_000) / 100;
    states.push({
      sla: 'availability',
      breached: got < percent,
      detail: `${done} of ${expected} intervals in the last ${windowHours} h completed (${got}%, minimum ${percent}%)${missing.length > 0 ? `; missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}` : ''}`,
    });
  }

  for (const f of slas.freshness) {
    const got = inputs.freshness.find((x) => x.table === f.table && x.column === f.column);
    const sla = `freshness:${f.table}`;
    if (!got || got.error) {
      states.push({
        sla,
        breached: true,
        detail: `cannot read ${f.table}.${f.column}: ${got?.error ?? 'not checked'}`,
      });
    } else if (!got.newest) {
      states.push({ sla, breached: true, detail: `${f.table} has no rows with ${f.column}` });
    } else {
      const age = now - got.newest.getTime();
      states.push({
        sla,
        breached: age > f.maxMinutes * MINUTE,
        detail: `newest ${f.column} in ${f.table} is ${minutes(age)} old (maximum ${f.maxMinutes} min)`,
      });
    }
  }
  return states;
}
