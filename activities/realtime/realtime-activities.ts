import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { RealtimeConfig, RealtimeTableConfig } from '../../lib/config/realtime-schema';
import { classified, ErrorType } from '../errors';
import { ensureOnce, ensureSchema, tableRef, type Warehouse } from '../warehouse';
import {
  CONSUMPTION,
  CURATION,
  consumptionViews,
  curationSelect,
  curationTable,
  INTEGRATION,
  integrationSelect,
  integrationView,
  targetLagOf,
} from './realtime-sql';

/** What the near-real-time activities need. */
export interface RealtimeDeps {
  warehouse: Warehouse;
  realtime: RealtimeConfig;
  /** The warehouse dynamic tables refresh on when `realtime.warehouse` is unset (the connection's). */
  defaultComputeWarehouse?: string;
}

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

/** One pass of {@link createRealtimeActivities}' `refreshRealtime`. */
export interface RealtimeRefreshResult {
  refreshed: Array<{ table: string; mode: 'full' | 'incremental'; rows: number; ms: number }>;
  lag: RealtimeLag[];
  /** When the next pass is due (half the smallest target lag, or the earliest table due). */
  nextInMs: number;
  /** Set by the workflow when this pass failed (the lag figures are then the last known ones). */
  error?: string;
}

/** What `deployRealtime` created. */
export interface RealtimeDeployResult {
  views: string[];
  tables: string[];
  /** True where the engine refreshes the curation tables itself (Snowflake dynamic tables). */
  selfRefreshing: boolean;
}

const STATE = { schema: 'audit', table: 'realtime_state' };

/** A curation table's last refresh: when its data was read, when it was last refreshed in full, and what from. */
interface RefreshState {
  dataMs: number;
  fullMs: number;
  sqlHash: string;
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

/**
 * The near-real-time layers (docs/realtime.md): integration views (recent history ∪ changes), curation
 * tables within a target lag, consumption views. On Snowflake the curation tables are dynamic tables
 * that refresh themselves; elsewhere `refreshRealtime` refreshes each when half its target lag has passed.
 */
export function createRealtimeActivities(deps: RealtimeDeps) {
  const w = deps.warehouse;
  const d = w.dialect;
  const config = deps.realtime;
  const selfRefreshing = d.selfRefreshingTable !== undefined;

  const ensureState = () =>
    ensureOnce(w, 'audit.realtime_state', async () => {
      await ensureSchema(w, 'audit');
      await w.execute(
        `CREATE TABLE IF NOT EXISTS ${d.table(STATE)} (table_name VARCHAR PRIMARY KEY, data_ms BIGINT,
           data_timestamp TIMESTAMPTZ, mode VARCHAR, row_count BIGINT, duration_ms BIGINT, full_ms BIGINT, sql_hash VARCHAR)`,
      );
    });

  const refreshStates = async (): Promise<Map<string, RefreshState>> => {
    await ensureState();
    const rows = await w.query<{
      table_name: string;
      data_ms: number | string;
      full_ms: number | string;
      sql_hash: string;
    }>(`SELECT table_name, data_ms, full_ms, sql_hash FROM ${d.table(STATE)}`);
    return new Map(
      rows.map((r) => [r.table_name, { dataMs: Number(r.data_ms), fullMs: Number(r.full_ms), sqlHash: r.sql_hash }]),
    );
  };
  const lastRefreshes = async (): Promise<Map<string, number>> =>
    new Map([...(await refreshStates())].map(([name, state]) => [name, state.dataMs]));

  const selfRefreshTimes = async (): Promise<Map<string, number>> => {
    const rows = await w.query<{ name: string; data_timestamp: unknown }>(d.selfRefreshTimes!(CURATION));
    const times = new Map<string, number>();
    for (const r of rows) {
      const ms = timestampMs(r.data_timestamp);
      if (ms !== null) times.set(r.name.toLowerCase(), ms);
    }
    return times;
  };

  const lagOf = (times: Map<string, number>, now: number): RealtimeLag[] =>
    config.tables.map((t) => {
      // A self-refreshing table keeps the lag its engine allows, which may exceed the one configured.
      const target = d.selfRefreshingLag?.(targetLagOf(config, t)) ?? targetLagOf(config, t);
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

  /**
   * Recomputes a curation table and records when its data was read. Incrementally (the keys changed
   * since the last refresh) only when the table exists, its queries are unchanged and its last full
   * refresh is recent; otherwise in full, which also catches what an incremental pass cannot see
   * (rows committed long after their change time, rows deleted from the changes table).
   */
  const refreshTable = async (t: RealtimeTableConfig, index: number, last: RefreshState | undefined) => {
    const started = Date.now();
    const target = d.table(curationTable(t));
    const select = curationSelect(d, t, index);
    const sqlHash = createHash('sha256').update(integrationSelect(d, t)).update('\0').update(select).digest('hex');
    const exists = (await w.describeTable(curationTable(t))) !== undefined;
    const incremental =
      t.refresh === 'incremental' &&
      exists &&
      last !== undefined &&
      last.sqlHash === sqlHash &&
      started - last.fullMs < t.fullRefreshEvery * 1000;
    const rows = await w.transaction(async (tx) => {
      let changed: number;
      if (incremental) {
        const q = (c: string) => d.quoteIdent(c);
        const key = t.key!;
        // Keys with rows changed since the last read, with an overlap for rows committed after their
        // change time (a load's timestamp is its transaction's start).
        const keys = `(SELECT DISTINCT ${key.map(q).join(', ')} FROM ${d.table(integrationView(t))}
                       WHERE _edp_changed_at > CAST(? AS TIMESTAMPTZ))`;
        const since = new Date(last.dataMs - t.overlap * 1000).toISOString();
        const match = (a: string) => key.map((k) => `${a}.${q(k)} IS NOT DISTINCT FROM k.${q(k)}`).join(' AND ');
        await tx.execute(`DELETE FROM ${target} c WHERE EXISTS (SELECT 1 FROM ${keys} k WHERE ${match('c')})`, [since]);
        changed = await tx.execute(
          `INSERT INTO ${target} SELECT r.* FROM (${select}) r WHERE EXISTS (SELECT 1 FROM ${keys} k WHERE ${match('r')})`,
          [since],
        );
      } else {
        await tx.execute(d.createTableAs(curationTable(t), select));
        const [n] = await tx.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${target}`);
        changed = Number(n.n);
      }
      await tx.upsertRow(STATE, ['table_name'], {
        table_name: { value: t.name, type: 'string' },
        data_ms: { value: started, type: 'integer' },
        data_timestamp: { value: new Date(started).toISOString(), type: 'timestamp' },
        mode: { value: incremental ? 'incremental' : 'full', type: 'string' },
        row_count: { value: changed, type: 'integer' },
        duration_ms: { value: Date.now() - started, type: 'integer' },
        full_ms: { value: incremental ? last.fullMs : started, type: 'integer' },
        sql_hash: { value: sqlHash, type: 'string' },
      });
      return changed;
    });
    return {
      table: t.name,
      mode: incremental ? ('incremental' as const) : ('full' as const),
      rows,
      ms: Date.now() - started,
    };
  };

  return {
    /**
     * Creates (or replaces) the integration views, the curation tables (Snowflake: dynamic tables with
     * the target lag; elsewhere tables filled by a first refresh) and the consumption views.
     */
    async deployRealtime(): Promise<RealtimeDeployResult> {
      return classified('deploying the near-real-time objects', async () => {
        for (const schema of [INTEGRATION, CURATION, CONSUMPTION]) await ensureSchema(w, schema);
        const computeWarehouse = config.warehouse ?? deps.defaultComputeWarehouse;
        if (selfRefreshing && config.tables.length > 0 && !computeWarehouse) {
          throw ApplicationFailure.nonRetryable(
            'realtime.warehouse is not set (nor warehouse.snowflake.warehouse): dynamic tables need a warehouse to refresh on',
            ErrorType.BadInput,
          );
        }
        const last = selfRefreshing ? new Map<string, RefreshState>() : await refreshStates();
        for (const [i, t] of config.tables.entries()) {
          await w.execute(`CREATE OR REPLACE VIEW ${d.table(integrationView(t))} AS ${integrationSelect(d, t)}`);
          const select = curationSelect(d, t, i);
          if (selfRefreshing) {
            const sources = [tableRef(t.history.table), tableRef(t.changes.table)];
            for (const sql of d.selfRefreshingTable!(
              curationTable(t),
              select,
              targetLagOf(config, t),
              sources,
              computeWarehouse!,
            ))
              await w.execute(sql);
          } else if ((await w.describeTable(curationTable(t))) === undefined) {
            await refreshTable(t, i, last.get(t.name));
          }
        }
        const views = consumptionViews(d, config);
        for (const v of views) await w.execute(`CREATE OR REPLACE VIEW ${d.table(v.ref)} AS ${v.select}`);
        return {
          views: [
            ...config.tables.map((t) => `${INTEGRATION}.${t.name}`),
            ...views.map((v) => `${v.ref.schema}.${v.ref.table}`),
          ],
          tables: config.tables.map((t) => `${CURATION}.${t.name}`),
          selfRefreshing,
        };
      });
    },

    /**
     * Refreshes each curation table whose data is half its target lag old (none where the engine
     * refreshes them itself) and reports every table's lag.
     */
    async refreshRealtime(): Promise<RealtimeRefreshResult> {
      return classified('refreshing the near-real-time tables', async () => {
        const refreshed: RealtimeRefreshResult['refreshed'] = [];
        if (!selfRefreshing) {
          const last = await refreshStates();
          for (const [i, t] of config.tables.entries()) {
            const state = last.get(t.name);
            if (state !== undefined && Date.now() - state.dataMs < (targetLagOf(config, t) * 1000) / 2) continue;
            refreshed.push(await refreshTable(t, i, state));
          }
        }
        const times = selfRefreshing ? await selfRefreshTimes() : await lastRefreshes();
        const now = Date.now();
        const due = config.tables.map((t) => {
          const half = (targetLagOf(config, t) * 1000) / 2;
          const at = times.get(t.name);
          return selfRefreshing || at === undefined ? half : at + half - now;
        });
        return { refreshed, lag: lagOf(times, now), nextInMs: Math.max(1000, Math.min(60_000, ...due)) };
      });
    },

    /** Each curation table's lag against its target. */
    async realtimeLag(): Promise<RealtimeLag[]> {
      return classified('reading the near-real-time lag', async () =>
        lagOf(selfRefreshing ? await selfRefreshTimes() : await lastRefreshes(), Date.now()),
      );
    },
  };
}
