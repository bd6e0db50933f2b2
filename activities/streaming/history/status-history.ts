import type { StatusHistoryConfig, StreamTopicConfig } from '../../../lib/config/schema';
import type { Warehouse, WarehouseSession } from '../../warehouse';
import { notQuarantined } from '../quarantined-events';
import { typedColumn } from '../raw-events';
import { rawTable } from '../stream-tables';
import { statusHistoryTables } from './history-tables';
import { hashSql } from './scd2-sql';
import { keyIn } from './touched-keys';

/** What a status history step reads: the streamed raw rows matching `where` (alias `r`), and batch runs not yet read. */
export interface StatusHistoryInput {
  /** The topic feeding the stream side. */
  topic: StreamTopicConfig;
  /** Raw rows (alias `r`) whose keys changed on the stream side; absent: none. */
  where?: string;
  /** Batch runs (`_edp_run_id`) whose keys changed on the batch side. */
  batchRuns: readonly string[];
}

/** Batch runs in `raw.<batch.table>` the status history has not read yet (none when the table does not exist yet). */
export async function unreadBatchRuns(w: Warehouse, h: StatusHistoryConfig): Promise<string[]> {
  if (!h.batch) return [];
  const batch = { schema: 'raw', table: h.batch.table };
  if (!(await w.describeTable(batch))) return [];
  const d = w.dialect;
  const rows = await w.query<{ run_id: string }>(
    `SELECT DISTINCT b._edp_run_id AS run_id FROM ${d.table(batch)} b
     WHERE NOT EXISTS (SELECT 1 FROM ${d.table(statusHistoryTables(h).runs)} x WHERE x.run_id = b._edp_run_id)
     ORDER BY 1`,
  );
  return rows.map((r) => r.run_id);
}

/**
 * Rebuilds the transitions and the initial/current status of the keys touched on either path, from the
 * union of both paths' events of those keys, in the caller's transaction (so a retry or a second
 * worker gives the same rows). A transition's identity is (key, change time, new status): the same
 * source event arriving by batch and by stream is one transition, credited to the path that delivered
 * it first (batch on a tie); an event repeating the previous status is no transition.
 */
export async function applyStatusHistory(
  tx: WarehouseSession,
  w: Warehouse,
  h: StatusHistoryConfig,
  input: StatusHistoryInput,
): Promise<number> {
  const d = w.dialect;
  const q = (c: string) => d.quoteIdent(c);
  const t = input.topic;
  const tables = statusHistoryTables(h);
  const raw = d.table(rawTable(t));
  const batch = h.batch ? d.table({ schema: 'raw', table: h.batch.table }) : undefined;
  const streamKey = `CAST(${typedColumn(w, h.key, t.columns[h.key])} AS VARCHAR)`;
  const batchKey = `CAST(b.${q(h.key)} AS VARCHAR)`;
  const runs = input.batchRuns.map((r) => d.literal(r)).join(', ');
  const touchedParts = [
    ...(input.where ? [`SELECT ${streamKey} AS ${q(h.key)} FROM ${raw} r WHERE ${input.where}`] : []),
    ...(batch && runs ? [`SELECT ${batchKey} AS ${q(h.key)} FROM ${batch} b WHERE b._edp_run_id IN (${runs})`] : []),
  ];
  if (touchedParts.length === 0) return 0;
  const touched = touchedParts.join(' UNION ');
  const isTouched = (value: string) => keyIn(w, [{ name: h.key, value }], touched);
  const events = [
    `SELECT ${streamKey} AS edp_key, CAST(${typedColumn(w, h.status, t.columns[h.status])} AS VARCHAR) AS edp_status,
       ${typedColumn(w, h.stream.changedAt, 'timestamp')} AS edp_at, 'stream' AS source, CAST(NULL AS VARCHAR) AS run_id,
       kafka_partition, kafka_offset, _edp_ingested_at AS arrived_at
     FROM ${raw} r WHERE _edp_op <> 'd' AND ${isTouched(streamKey)} AND ${notQuarantined(w, t)}`,
    ...(batch
      ? [
          `SELECT ${batchKey}, CAST(b.${q(h.status)} AS VARCHAR), CAST(b.${q(h.batch!.changedAt)} AS TIMESTAMPTZ), 'batch',
             b._edp_run_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), b._edp_loaded_at
           FROM ${batch} b WHERE ${isTouched(batchKey)}`,
        ]
      : []),
  ].join(' UNION ALL ');
  // One row per status event (identity: key, change time, status), the first delivery kept.
  const distinct = `SELECT * FROM (
      SELECT e.*, row_number() OVER (PARTITION BY edp_key, edp_at, edp_status ORDER BY arrived_at, source, run_id, kafka_partition, kafka_offset) AS edp_rn
      FROM (${events}) e WHERE edp_status IS NOT NULL AND edp_at IS NOT NULL) x WHERE edp_rn = 1`;
  const transitions = `SELECT ${hashSql(['edp_key', d.epochMs('edp_at'), 'edp_status'])} AS transition_id, edp_key, old_status, edp_status AS new_status, edp_at AS changed_at,
      source, run_id, kafka_partition, kafka_offset
    FROM (SELECT y.*, LAG(edp_status) OVER (PARTITION BY edp_key ORDER BY edp_at, edp_status) AS old_status FROM (${distinct}) y) z
    WHERE old_status IS NULL OR old_status <> edp_status`;
  const key = q(h.key);
  await tx.execute(`DELETE FROM ${d.table(tables.transitions)} x WHERE ${isTouched(`x.${key}`)}`);
  const written = await tx.execute(
    `INSERT INTO ${d.table(tables.transitions)} (transition_id, ${key}, old_status, new_status, changed_at, source, run_id,
       kafka_partition, kafka_offset) ${transitions}`,
  );
  await tx.execute(`DELETE FROM ${d.table(tables.status)} x WHERE ${isTouched(`x.${key}`)}`);
  await tx.execute(
    `INSERT INTO ${d.table(tables.status)} (${key}, initial_status, current_status, initial_at, status_changed_at, transitions)
     SELECT ${key}, MAX(CASE WHEN edp_first = 1 THEN new_status END), MAX(CASE WHEN edp_last = 1 THEN new_status END),
       MIN(changed_at), MAX(changed_at), COUNT(old_status)
     FROM (SELECT x.*, row_number() OVER (PARTITION BY ${key} ORDER BY changed_at, new_status) AS edp_first,
             row_number() OVER (PARTITION BY ${key} ORDER BY changed_at DESC, new_status DESC) AS edp_last
           FROM ${d.table(tables.transitions)} x WHERE ${isTouched(`x.${key}`)}) t
     GROUP BY ${key}`,
  );
  for (const run of input.batchRuns) {
    await tx.execute(`INSERT INTO ${d.table(tables.runs)} (run_id, read_at) VALUES (?, ${d.now()})`, [run]);
  }
  return written;
}
