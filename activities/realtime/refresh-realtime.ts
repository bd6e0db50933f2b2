import { classified } from '../errors';
import { recordSlaStates, targetLagStates } from '../sla';
import { curationOrder, withUpstreams } from './curation-order';
import { refreshCurationTable } from './refresh-curation-table';
import type { RealtimeDeps } from './realtime-deps';
import { lagOf, type RealtimeLag } from './realtime-lag';
import {
  isSelfRefreshing,
  lastRefreshes,
  recordSelfRefreshTimes,
  refreshStates,
  selfRefreshTimes,
} from './realtime-refresh-state';
import { targetLagOf } from './realtime-sql';

/** One pass of {@link refreshRealtime}. */
export interface RealtimeRefreshResult {
  refreshed: Array<{ table: string; mode: 'full' | 'incremental'; rows: number; ms: number }>;
  lag: RealtimeLag[];
  /** When the next pass is due (half the smallest target lag, or the earliest table due). */
  nextInMs: number;
  /** Set by the workflow when this pass failed (the lag figures are then the last known ones). */
  error?: string;
}

/** Records each curation table's target lag as pipeline `realtime`'s SLA `target-lag:<table>`. */
function recordTargetLag(deps: RealtimeDeps, lag: RealtimeLag[]): Promise<unknown> {
  return recordSlaStates(
    deps.warehouse,
    'realtime',
    targetLagStates(lag),
    deps.webhooks ?? [],
    new Date(),
    deps.alerts?.routes,
  );
}

/**
 * Refreshes each curation table whose data is half its target lag old, together with the curation tables
 * it reads, first (its data is only as fresh as theirs). Where the engine refreshes them itself nothing
 * is refreshed and their data times are recorded for the fallback views. Reports every table's lag; a
 * table behind its target lag opens a `target-lag:<table>` breach of pipeline `realtime` (alerted once,
 * closed when it is on target again).
 */
export async function refreshRealtime(deps: RealtimeDeps): Promise<RealtimeRefreshResult> {
  const w = deps.warehouse;
  const config = deps.realtime;
  const selfRefreshing = isSelfRefreshing(w);
  return classified('refreshing the near-real-time tables', async () => {
    const refreshed: RealtimeRefreshResult['refreshed'] = [];
    if (!selfRefreshing) {
      const last = await refreshStates(w);
      const now = Date.now();
      const due = config.tables.filter((t) => {
        const state = last.get(t.name);
        return state === undefined || now - state.dataMs >= (targetLagOf(config, t) * 1000) / 2;
      });
      // A due table's upstreams refresh first, so it reads their fresh data (as Snowflake refreshes a chain).
      for (const { table: t, index: i } of withUpstreams(curationOrder(config), new Set(due.map((t) => t.name)))) {
        refreshed.push(
          await refreshCurationTable(w, t, i, last.get(t.name)).catch(async (err: unknown) => {
            // A table that cannot refresh falls behind: the lags are still judged, then the pass fails.
            await recordTargetLag(deps, lagOf(deps, await lastRefreshes(w), Date.now()));
            throw err;
          }),
        );
      }
    }
    const times = selfRefreshing ? await selfRefreshTimes(w) : await lastRefreshes(w);
    if (selfRefreshing && config.fallbacks.length > 0) await recordSelfRefreshTimes(w, times);
    const now = Date.now();
    const due = config.tables.map((t) => {
      const half = (targetLagOf(config, t) * 1000) / 2;
      const at = times.get(t.name);
      return selfRefreshing || at === undefined ? half : at + half - now;
    });
    const lag = lagOf(deps, times, now);
    await recordTargetLag(deps, lag);
    return { refreshed, lag, nextInMs: Math.max(1000, Math.min(60_000, ...due)) };
  });
}
