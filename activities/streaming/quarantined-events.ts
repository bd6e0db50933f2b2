import type { StreamTopicConfig } from '../../lib/config/schema';
import { ensureOnce, ensureSchema, type TableRef, type Warehouse, type WarehouseSession } from '../warehouse';

/** `staging.<table>__quarantined_events`: the raw positions of change events a staging rule quarantined. */
export const quarantinedEventsTable = (t: StreamTopicConfig): TableRef => ({
  schema: 'staging',
  table: `${t.table}__quarantined_events`,
});

/** Creates the topic's quarantined-events table, once per warehouse handle (DDL outside transactions). */
export async function ensureQuarantinedEvents(w: Warehouse, t: StreamTopicConfig): Promise<void> {
  await ensureSchema(w, 'staging');
  await ensureOnce(w, `quarantined-events:${t.table}`, () =>
    w.execute(
      `CREATE TABLE IF NOT EXISTS ${w.dialect.table(quarantinedEventsTable(t))} (kafka_partition BIGINT,
         kafka_offset BIGINT, run_id VARCHAR, quarantined_at TIMESTAMPTZ)`,
    ),
  );
}

/**
 * Records, in the caller's transaction, the events the rules removed: those of `checked` (a SELECT of
 * the micro-batch before its rules, with `_edp_kafka_partition` and `_edp_kafka_offset`) that `kept`
 * (the micro-batch after them) lacks. A position already recorded is not recorded twice.
 */
export async function recordQuarantinedEvents(
  tx: WarehouseSession,
  w: Warehouse,
  t: StreamTopicConfig,
  input: { checked: string; kept: TableRef; runId: string },
): Promise<number> {
  const d = w.dialect;
  const q = d.table(quarantinedEventsTable(t));
  const same = (a: string, b: string, prefix = '_edp_') =>
    `${a}.${prefix}kafka_partition = ${b}._edp_kafka_partition AND ${a}.${prefix}kafka_offset = ${b}._edp_kafka_offset`;
  return tx.execute(
    `INSERT INTO ${q} (kafka_partition, kafka_offset, run_id, quarantined_at)
     SELECT c._edp_kafka_partition, c._edp_kafka_offset, ?, ${d.now()} FROM ${input.checked} c
     WHERE NOT EXISTS (SELECT 1 FROM ${d.table(input.kept)} k WHERE ${same('k', 'c')})
       AND NOT EXISTS (SELECT 1 FROM ${q} x WHERE ${same('x', 'c', '')})`,
    [input.runId],
  );
}

/** SQL true when raw row `r` is no quarantined event of the topic (its table must exist: {@link ensureQuarantinedEvents}). */
export function notQuarantined(w: Warehouse, t: StreamTopicConfig): string {
  return `NOT EXISTS (SELECT 1 FROM ${w.dialect.table(quarantinedEventsTable(t))} edp_q
    WHERE edp_q.kafka_partition = r.kafka_partition AND edp_q.kafka_offset = r.kafka_offset)`;
}
