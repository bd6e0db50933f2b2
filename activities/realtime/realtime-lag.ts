import { classified } from '../errors';
import type { RealtimeDeps } from './realtime-deps';
import { isSelfRefreshing, lastRefreshes, selfRefreshTimes } from './realtime-refresh-state';
import { targetLagOf } from './realtime-sql';

/** How far a curation table is behind its sources. */
export interface RealtimeLag {
  table: string;
  targetLagSeconds: number;
  /** Seconds since the data the table holds was read; null before its first refresh. */
  lagSeconds: number | null;
  /** When the data it holds was read (ISO). */
  dataTimestamp: string | null;
  status: 'on target' | 'behind target' | 'never refreshed';
}

/** Each configured curation table's lag at `now`, from when the data each holds was read. */
export function lagOf(deps: RealtimeDeps, times: Map<string, number>, now: number): RealtimeLag[] {
  const config = deps.realtime;
  const selfRefreshing = isSelfRefreshing(deps.warehouse);
  return config.tables.map((t) => {
    // Snowflake's shortest TARGET_LAG is a minute; the dynamic table was made with at least that.
    const target = selfRefreshing ? Math.max(60, targetLagOf(config, t)) : targetLagOf(config, t);
    const at = times.get(t.name);
    if (at === undefined)
      return {
        table: t.name,
        targetLagSeconds: target,
        lagSeconds: null,
        dataTimestamp: null,
        status: 'never refreshed',
      };
    const lagSeconds = Math.max(0, (now - at) / 1000);
    return {
      table: t.name,
      targetLagSeconds: target,
      lagSeconds,
      dataTimestamp: new Date(at).toISOString(),
      status: lagSeconds <= target ? 'on target' : 'behind target',
    };
  });
}

/** Each curation table's lag against its target. */
export async function realtimeLag(deps: RealtimeDeps): Promise<RealtimeLag[]> {
  const w = deps.warehouse;
  return classified('reading the near-real-time lag', async () =>
    lagOf(deps, isSelfRefreshing(w) ? await selfRefreshTimes(w) : await lastRefreshes(w), Date.now()),
  );
}
