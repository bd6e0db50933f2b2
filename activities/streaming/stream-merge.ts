import type { StreamTopicConfig } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';
import { rawTable, STREAM_MERGED, stagingTable } from './stream-tables';

let mergeCounter = 0;

/** One typed column out of a raw row's JSON (timestamps may also be epoch milliseconds, as Debezium sends them). */
function extract(w: Warehouse, name: string, type: StreamTopicConfig['columns'][string]): string {
  const d = w.dialect;
  const path = d.literal(`$.${name}`);
  const text = `json_extract_string(row_json, ${path})`;
  if (type === 'timestamp') {
    return `CASE WHEN json_type(row_json, ${path}) IN ('UBIGINT', 'BIGINT') THEN epoch_ms(CAST(${text} AS BIGINT))
      ELSE ${d.tryCast(text, type)} END AS ${d.quoteIdent(name)}`;
  }
  return `${d.tryCast(text, type)} AS ${d.quoteIdent(name)}`;
}

/**
 * Merges raw rows not yet merged into `staging.<table>`: the latest event per key wins (by event time,
 * then offset); an older event never overwrites a newer row; a Debezium delete removes the row. The
 * merged position per partition commits with the staging change, so a retry merges nothing twice.
 * Returns the raw rows merged.
 */
export async function mergeToStaging(
  w: Warehouse,
  t: StreamTopicConfig,
  options: { maxRows?: number; ranges?: ReadonlyArray<{ partition: number; from: number; to: number }> } = {},
): Promise<number> {
  const maxRows = options.maxRows ?? 200_000;
  const d = w.dialect;
  const n = ++mergeCounter;
  const batch = `edp_merge_batch_${n}`;
  const latest = `edp_merge_latest_${n}`;
  const cols = Object.entries(t.columns);
  const q = (c: string) => d.quoteIdent(c);
  const keyMatch = (a: string, b: string) =>
    t.key.map((k) => `${a}.${q(k)} IS NOT DISTINCT FROM ${b}.${q(k)}`).join(' AND ');
  const staging = d.table(stagingTable(t));
  return w.transaction(async (tx) => {
    // Either what the live merge has not seen yet, or (a backfill) the given offset ranges.
    const where = options.ranges
      ? options.ranges
          .map(
            (r) => `(r.kafka_partition = ${r.partition} AND r.kafka_offset >= ${r.from} AND r.kafka_offset < ${r.to})`,
          )
          .join(' OR ') || 'FALSE'
      : 'r.kafka_offset > coalesce(m.merged_offset, -1)';
    await tx.execute(
      `CREATE OR REPLACE TEMP TABLE ${batch} AS
       SELECT r.* FROM ${d.table(rawTable(t))} r
       LEFT JOIN ${STREAM_MERGED} m ON m.topic = ${d.literal(t.topic)} AND m.kafka_partition = r.kafka_partition
       WHERE ${where}
       ORDER BY r.kafka_partition, r.kafka_offset
       ${options.ranges ? '' : `LIMIT ${maxRows}`}`,
    );
    const [{ rows }] = await tx.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${batch}`);
    if (Number(rows) === 0) {
      await tx.execute(`DROP TABLE ${batch}`);
      return 0;
    }
    await tx.execute(
      `CREATE OR REPLACE TEMP TABLE ${latest} AS
       SELECT * EXCLUDE (edp_rn) FROM (
         SELECT *, row_number() OVER (PARTITION BY ${t.key.map(q).join(', ')} ORDER BY _edp_event_time DESC, _edp_kafka_partition DESC, _edp_kafka_offset DESC) AS edp_rn
         FROM (SELECT ${cols.map(([name, type]) => extract(w, name, type)).join(', ')}, _edp_op, _edp_event_time,
                 kafka_partition AS _edp_kafka_partition, kafka_offset AS _edp_kafka_offset FROM ${batch}))
       WHERE edp_rn = 1`,
    );
    // Newer-or-equal events replace the row; an older event leaves it alone.
    await tx.execute(
      `DELETE FROM ${staging} s WHERE EXISTS (SELECT 1 FROM ${latest} l WHERE ${keyMatch('s', 'l')} AND s._edp_event_time <= l._edp_event_time)`,
    );
    await tx.execute(
      `INSERT INTO ${staging}
       SELECT ${cols.map(([name]) => `l.${q(name)}`).join(', ')}, l._edp_event_time, l._edp_kafka_partition, l._edp_kafka_offset, ${d.now()}
       FROM ${latest} l WHERE l._edp_op <> 'd' AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${keyMatch('s', 'l')})`,
    );
    if (!options.ranges)
      await tx.execute(
        `INSERT OR REPLACE INTO ${STREAM_MERGED}
       SELECT ${d.literal(t.topic)}, kafka_partition, max(kafka_offset), ${d.now()} FROM ${batch} GROUP BY kafka_partition`,
      );
    await tx.execute(`DROP TABLE ${batch}`);
    await tx.execute(`DROP TABLE ${latest}`);
    return Number(rows);
  });
}
