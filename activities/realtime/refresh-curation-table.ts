import { createHash } from 'node:crypto';
import type { RealtimeTableConfig } from '../../lib/config/realtime-schema';
import type { Warehouse, WarehouseSession } from '../warehouse';
import type { Dialect } from '../warehouse/dialect';
import { REALTIME_STATE, type RefreshState } from './realtime-refresh-state';
import { curationReads } from '../../lib/config/realtime-layers';
import { curationSelect, curationTable, hasIntegration, integrationSelect, integrationView } from './realtime-sql';

/** When the data each of `names` (curation tables) holds was read, as their last refreshes recorded it. */
async function upstreamDataTimes(tx: WarehouseSession, d: Dialect, names: readonly string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const rows = await tx.query<{ data_ms: number | string }>(
    `SELECT data_ms FROM ${d.table(REALTIME_STATE)} WHERE table_name IN (${names.map(() => '?').join(', ')})`,
    [...names],
  );
  return rows.map((r) => Number(r.data_ms));
}

/**
 * Recomputes a curation table and records when its data was read. Incrementally (the keys changed
 * since the last refresh) only when the table exists, its queries are unchanged and its last full
 * refresh is recent; otherwise in full, which also catches what an incremental pass cannot see
 * (rows committed long after their change time, rows deleted from the changes table).
 */
export async function refreshCurationTable(
  w: Warehouse,
  t: RealtimeTableConfig,
  index: number,
  last: RefreshState | undefined,
): Promise<{ table: string; mode: 'full' | 'incremental'; rows: number; ms: number }> {
  const d = w.dialect;
  const started = Date.now();
  const target = d.table(curationTable(t));
  const select = curationSelect(d, t, index);
  const sqlHash = createHash('sha256')
    .update(hasIntegration(t) ? integrationSelect(d, t) : '')
    .update('\0')
    .update(select)
    .digest('hex');
  const upstreams = curationReads(t.sql);
  const exists = (await w.describeTable(curationTable(t))) !== undefined;
  const incremental =
    t.refresh === 'incremental' &&
    exists &&
    last !== undefined &&
    last.sqlHash === sqlHash &&
    started - last.fullMs < t.fullRefreshEvery * 1000;
  const rows = await w.transaction(async (tx) => {
    // A table reading curation tables holds data as old as the stalest of them, read in this transaction.
    const dataMs = Math.min(started, ...(await upstreamDataTimes(tx, d, upstreams)));
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
    await tx.upsertRow(REALTIME_STATE, ['table_name'], {
      table_name: { value: t.name, type: 'string' },
      data_ms: { value: dataMs, type: 'integer' },
      data_timestamp: { value: new Date(dataMs).toISOString(), type: 'timestamp' },
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
}
