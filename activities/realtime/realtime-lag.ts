import { classified } from '../errors';
import { curationOrder } from './curation-order';
import type { RealtimeDeps } from './realtime-deps';
import { isSelfRefreshing, lastRefreshes, selfRefreshTimes } from './realtime-refresh-state';
import { targetLagOf } from './realtime-sql';

/** How far a curation table is behind its sources. */
export interface RealtimeLag {
  table: string;
  /** 1 for a table reading no curation table, else 1 + the highest layer it reads (absent in passes recorded before layers). */
  layer?: number;
  targetLagSeconds: number;
  /** Seconds since the data the table holds was read from the sources (through the tables it reads); null before its first refresh. */
  lagSeconds: number | null;
  /** When the data it holds was read (ISO). */
  dataTimestamp: string | null;
  status: 'on target' | 'behind target' | 'never refreshed';
}

/** Each configured curation table's lag at `now`, from when the data each holds was read. */
export function lagOf(deps: RealtimeDeps, times: Map<string, number>, now: number): RealtimeLag[] {
  const config = deps.realtime;
  const d = deps.warehouse.dialect;
  const layers = new Map(curationOrder(config).map((o) => [o.table.name, o.layer]));
  return config.tables.map((t) => {
    const layer = layers.get(t.name)!;
    // A self-refreshing table keeps the lag its engine allows, which may exceed the one configured.
    const target = d.selfRefreshingLag?.(targetLagOf(config, t)) ?? targetLagOf(config, t);
    const at = times.get(t.name);
    if (at === undefined)
      return {
        table: t.name,
        layer,
        targetLagSeconds: target,
        lagSeconds: null,
        dataTimestamp: null,
        status: 'never refreshed',
      };
    const lagSeconds = Math.max(0, (now - at) / 1000);
    return {
      table: t.name,
      layer,
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
