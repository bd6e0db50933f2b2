import type { StatusHistoryConfig, StreamTopicConfig } from '../../../lib/config/schema';
import { ensureOnce, ensureSchema, type TableRef, type Warehouse } from '../../warehouse';
import { scd2Columns, versionColumns } from './scd2-sql';

/** `history.<table>`: a topic's SCD type 2 versions. */
export const topicHistoryTable = (t: StreamTopicConfig): TableRef => ({ schema: 'history', table: t.table });

/** The tables of a status history: its transitions, initial and current status per key, and the batch runs read. */
export function statusHistoryTables(h: StatusHistoryConfig): {
  transitions: TableRef;
  status: TableRef;
  runs: TableRef;
} {
  return {
    transitions: { schema: 'history', table: `${h.name}_transitions` },
    status: { schema: 'history', table: h.name },
    runs: { schema: 'history', table: `${h.name}__batch_runs` },
  };
}

/** The value columns a topic's history carries and those whose hash detects a change. */
export function historyColumns(t: StreamTopicConfig): { columns: string[]; track: string[] } {
  const columns = Object.keys(t.columns).filter((c) => !t.key.includes(c));
  return { columns, track: t.history?.track ?? columns };
}

/** Creates `history.<table>` for a topic with history, once per warehouse handle (DDL outside transactions). */
export async function ensureTopicHistory(w: Warehouse, t: StreamTopicConfig): Promise<void> {
  const d = w.dialect;
  await ensureSchema(w, 'history');
  const v = versionColumns(t.key);
  const types: Record<string, string> = {
    [v.id]: 'VARCHAR',
    [v.number]: 'BIGINT',
    valid_from: 'TIMESTAMPTZ',
    valid_to: 'TIMESTAMPTZ',
    is_current: 'BOOLEAN',
    row_hash: 'VARCHAR',
    _edp_lsn: d.columnType('integer'),
    _edp_kafka_partition: 'BIGINT',
    _edp_kafka_offset: 'BIGINT',
    ...Object.fromEntries(Object.entries(t.columns).map(([n, ty]) => [n, d.columnType(ty)])),
  };
  const cols = scd2Columns({ key: t.key, columns: historyColumns(t).columns });
  await ensureOnce(w, `history:${t.table}:${cols.join()}`, () =>
    w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(topicHistoryTable(t))} (${cols.map((c) => `${d.quoteIdent(c)} ${types[c]}`).join(', ')})`,
    ),
  );
}

/** Creates a status history's tables, once per warehouse handle; key and status are text. */
export async function ensureStatusHistory(w: Warehouse, h: StatusHistoryConfig): Promise<void> {
  const d = w.dialect;
  const tables = statusHistoryTables(h);
  const key = d.quoteIdent(h.key);
  await ensureSchema(w, 'history');
  await ensureOnce(w, `status-history:${h.name}:${h.key}`, async () => {
    await w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(tables.transitions)} (transition_id VARCHAR, ${key} VARCHAR,
         old_status VARCHAR, new_status VARCHAR, changed_at TIMESTAMPTZ, source VARCHAR, run_id VARCHAR,
         kafka_partition BIGINT, kafka_offset BIGINT)`,
    );
    await w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(tables.status)} (${key} VARCHAR, initial_status VARCHAR,
         current_status VARCHAR, initial_at TIMESTAMPTZ, status_changed_at TIMESTAMPTZ, transitions BIGINT)`,
    );
    await w.execute(`CREATE TABLE IF NOT EXISTS ${d.table(tables.runs)} (run_id VARCHAR, read_at TIMESTAMPTZ)`);
  });
}
