import type { DataInterval } from './intervals';

/** Which intervals a backfill runs, as in Airflow 3: only those never run, also those whose last run failed, or all. */
export type BackfillMode = 'missing' | 'failed' | 'all';

/** The latest pipeline run of an interval, as Temporal's visibility reports it. */
export type IntervalState = 'none' | 'running' | 'succeeded' | 'blocked' | 'failed' | 'cancelled';

/** One line of a backfill plan. */
export interface BackfillStep {
  interval: DataInterval;
  state: IntervalState;
  run: boolean;
  reason: string;
}

/** Decides per interval whether a backfill runs it; a running interval is never started twice. */
export function planBackfill(
  intervals: readonly DataInterval[],
  stateOf: (interval: DataInterval) => IntervalState,
  mode: BackfillMode,
): BackfillStep[] {
  return intervals.map((interval) => {
    const state = stateOf(interval);
    if (state === 'running') return { interval, state, run: false, reason: 'a run is in progress' };
    if (state === 'none') return { interval, state, run: true, reason: 'never run' };
    if (mode === 'all') return { interval, state, run: true, reason: 'mode all re-runs every interval' };
    if (mode === 'failed' && state !== 'succeeded') return { interval, state, run: true, reason: `last run ${state}` };
    return { interval, state, run: false, reason: `last run ${state}` };
  });
}
