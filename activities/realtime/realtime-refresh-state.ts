import { ensureAudit, REALTIME_STATE as STATE_TABLE } from '../audit';
import type { Warehouse } from '../warehouse';
import { CURATION } from './realtime-sql';

/** Where each curation table's last refresh is recorded (engines that do not refresh them themselves). */
export const REALTIME_STATE = STATE_TABLE.ref;

/** A curation table's last refresh: when its data was read, when it was last refreshed in full, and what from. */
export interface RefreshState {
  dataMs: number;
  fullMs: number;
  sqlHash: string;
}

/** True where the engine refreshes the curation tables itself (Snowflake dynamic tables). */
export function isSelfRefreshing(w: Warehouse): boolean {
  return w.dialect.selfRefreshingTable !== undefined;
}

/** Milliseconds of a timestamp value as a driver returns it (Date, ISO text or DuckDB's `… +00`). */
export function timestampMs(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'object') return typeof (v as Date).getTime === 'function' ? (v as Date).getTime() : null;
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const text = String(v)
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00');
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Each curation table's recorded last refresh, by table name. */
export async function refreshStates(w: Warehouse): Promise<Map<string, RefreshState>> {
  await ensureAudit(w);
  const rows = await w.query<{
    table_name: string;
    data_ms: number | string;
    full_ms: number | string;
    sql_hash: string;
  }>(`SELECT table_name, data_ms, full_ms, sql_hash FROM ${w.dialect.table(REALTIME_STATE)}`);
  return new Map(
    rows.map((r) => [r.table_name, { dataMs: Number(r.data_ms), fullMs: Number(r.full_ms), sqlHash: r.sql_hash }]),
  );
}

/** When the data each curation table holds was read (ms), as the refreshes recorded it. */
export async function lastRefreshes(w: Warehouse): Promise<Map<string, number>> {
  return new Map([...(await refreshStates(w))].map(([name, state]) => [name, state.dataMs]));
}

/** When the data each self-refreshing curation table holds was read (ms), as the engine reports it. */
export async function selfRefreshTimes(w: Warehouse): Promise<Map<string, number>> {
  const rows = await w.query<{ name: string; data_timestamp: unknown }>(w.dialect.selfRefreshTimes!(CURATION));
  const times = new Map<string, number>();
  for (const r of rows) {
    const ms = timestampMs(r.data_timestamp);
    if (ms !== null) times.set(r.name.toLowerCase(), ms);
  }
  return times;
}

/**
 * Records when each self-refreshing curation table's data was read (as the engine reports it) in
 * `audit.realtime_state`, where fallback views read every engine's realtime freshness.
 */
export async function recordSelfRefreshTimes(w: Warehouse, times: Map<string, number>): Promise<void> {
  await ensureAudit(w);
  for (const [name, ms] of times) {
    await w.transaction((tx) =>
      tx.upsertRow(REALTIME_STATE, ['table_name'], {
        table_name: { value: name, type: 'string' },
        data_ms: { value: ms, type: 'integer' },
        data_timestamp: { value: new Date(ms).toISOString(), type: 'timestamp' },
        mode: { value: 'self-refreshing', type: 'string' },
        full_ms: { value: ms, type: 'integer' },
        sql_hash: { value: '', type: 'string' },
      }),
    );
  }
}
