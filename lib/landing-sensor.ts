import { compactInstant } from './intervals';

/** What an ingest run's landing sensor waits for: its `landingSensor` query, its Web UI current details, the CLI. */
export interface LandingSensorStatus {
  /** `waiting` between checks; `complete` once every entity has a file; `timed out` when it gave up on the rest. */
  state: 'waiting' | 'complete' | 'timed out';
  /** Entities with at least one file for the interval. */
  found: number;
  /** Entities the interval expects. */
  expected: number;
  /** File-name patterns (relative to the landing folder) of the entities still without a file. */
  waitingFor: string[];
  /** The landing folder on the worker, when the check said. */
  landingDir?: string;
  /** Checks made so far. */
  checks: number;
  /** When the next check runs, while waiting (ISO-8601). */
  nextCheckAt?: string;
  /** When the sensor stops waiting and loads what has landed (ISO-8601). */
  timesOutAt: string;
}

/** One landing check as the sensor reads it (the activity's result, whose newer fields old histories lack). */
export interface SensorCheck {
  present: readonly string[];
  missing: readonly string[];
  patterns?: Readonly<Record<string, string>>;
  landingDir?: string;
}

/** The sensor's status after a check. */
export function landingSensorStatus(
  check: SensorCheck,
  o: { state: LandingSensorStatus['state']; checks: number; timesOutAt: number; nextCheckAt?: number },
): LandingSensorStatus {
  return {
    state: o.state,
    found: check.present.length,
    expected: check.present.length + check.missing.length,
    waitingFor: check.missing.map((e) => check.patterns?.[e] ?? e),
    ...(check.landingDir ? { landingDir: check.landingDir } : {}),
    checks: o.checks,
    ...(o.nextCheckAt === undefined ? {} : { nextCheckAt: new Date(o.nextCheckAt).toISOString() }),
    timesOutAt: new Date(o.timesOutAt).toISOString(),
  };
}

/** Missing patterns listed by name; the rest are counted. */
const LISTED = 6;

/** One line for people: `waiting for landing files: found 0 of 6 (members/members_20260101T0400.csv, …); …`. */
export function describeLandingSensor(s: LandingSensorStatus): string {
  const listed = s.waitingFor.slice(0, LISTED).join(', ') + (s.waitingFor.length > LISTED ? ', …' : '');
  const where = s.landingDir ? ` in ${s.landingDir}` : '';
  if (s.state === 'complete')
    return `landing files: found ${s.found} of ${s.expected} after ${s.checks} check${s.checks === 1 ? '' : 's'}`;
  if (s.state === 'timed out')
    return `landing sensor timed out: found ${s.found} of ${s.expected}, loading those; no file for ${listed}`;
  const next = s.nextCheckAt ? `next check ${compactInstant(s.nextCheckAt)}, ` : '';
  return `waiting for landing files: found ${s.found} of ${s.expected}; missing ${listed}${where}; ${next}times out at ${compactInstant(s.timesOutAt)}`;
}
