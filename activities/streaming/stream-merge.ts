import type { StreamTopicConfig } from '../../lib/config/schema';
import { evaluateRuleFile, type RuleFile } from '../quality';
import type { Warehouse, WarehouseSession } from '../warehouse';
import { rawTable, recordPosition, STREAM_MERGED, stagingTable } from './stream-tables';

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

/** What to merge: the live stream's unmerged rows (default), or a backfill's offset ranges; and the rule file, if any. */
export interface MergeOptions {
  maxRows?: number;
  ranges?: ReadonlyArray<{ partition: number; from: number; to: number }>;
  /** The rule file for `staging.<table>`: each micro-batch is checked (and bad rows quarantined) before it merges. */
  rules?: RuleFile;
}

/**
 * Merges raw rows not yet merged into `staging.<table>`: the latest event per key wins (by event time,
 * then offset); an older event never overwrites a newer row; a Debezium delete removes the row. With a
 * rule file the micro-batch is checked first by the same engine as batch (rows failing a quarantining
 * rule go to `staging.<table>__quality_errors`, never into staging). The merged position per
 * partition commits with the staging change, so a retry merges nothing twice. Returns the raw rows merged.
 */
export async function mergeToStaging(w: Warehouse, t: StreamTopicConfig, options: MergeOptions = {}): Promise<number> {
  const d = w.dialect;
  const n = ++mergeCounter;
  const cols = Object.entries(t.columns);
  const q = (c: string) => d.quoteIdent(c);
  const keyMatch = (a: string, b: string) =>
    t.key.map((k) => `${a}.${q(k)} IS NOT DISTINCT FROM ${b}.${q(k)}`).join(' AND ');
  const staging = d.table(stagingTable(t));
  // Either what the live merge has not seen yet, or (a backfill) the given offset ranges.
  const where = options.ranges
    ? options.ranges
        .map((r) => `(r.kafka_partition = ${r.partition} AND r.kafka_offset >= ${r.from} AND r.kafka_offset < ${r.to})`)
        .join(' OR ') || 'FALSE'
    : 'r.kafka_offset > coalesce(m.merged_offset, -1)';
  const batchSql = `SELECT r.* FROM ${d.table(rawTable(t))} r
       LEFT JOIN ${STREAM_MERGED} m ON m.topic = ${d.literal(t.topic)} AND m.kafka_partition = r.kafka_partition
       WHERE ${where}
       ORDER BY r.kafka_partition, r.kafka_offset
       ${options.ranges ? '' : `LIMIT ${options.maxRows ?? 200_000}`}`;
  const latestSql = (batch: string) => `SELECT * EXCLUDE (edp_rn) FROM (
         SELECT *, row_number() OVER (PARTITION BY ${t.key.map(q).join(', ')} ORDER BY _edp_event_time DESC, _edp_kafka_partition DESC, _edp_kafka_offset DESC) AS edp_rn
         FROM (SELECT ${cols.map(([name, type]) => extract(w, name, type)).join(', ')}, _edp_op, _edp_event_time,
                 kafka_partition AS _edp_kafka_partition, kafka_offset AS _edp_kafka_offset FROM ${batch}))
       WHERE edp_rn = 1`;
  const apply = async (tx: WarehouseSession, latest: string, maxima: ReadonlyArray<{ p: number; o: number }>) => {
    // Newer-or-equal events replace the row; an older event leaves it alone.
    await tx.execute(
      `DELETE FROM ${staging} s WHERE EXISTS (SELECT 1 FROM ${latest} l WHERE ${keyMatch('s', 'l')} AND s._edp_event_time <= l._edp_event_time)`,
    );
    await tx.execute(
      `INSERT INTO ${staging}
       SELECT ${cols.map(([name]) => `l.${q(name)}`).join(', ')}, l._edp_event_time, l._edp_kafka_partition, l._edp_kafka_offset, ${d.now()}
       FROM ${latest} l WHERE l._edp_op <> 'd' AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${keyMatch('s', 'l')})`,
    );
    if (!options.ranges) {
      for (const x of maxima) {
        await recordPosition(tx, STREAM_MERGED, t.topic, x.p, x.o);
      }
    }
  };
  const batch = `edp_merge_batch_${n}`;
  const summary = (tx: WarehouseSession) =>
    tx.query<{ p: string; o: string; n: string }>(
      `SELECT kafka_partition AS p, max(kafka_offset) AS o, count(*) AS n FROM ${batch} GROUP BY kafka_partition`,
    );
  const toMaxima = (rows: Array<{ p: string; o: string }>) => rows.map((r) => ({ p: Number(r.p), o: Number(r.o) }));
  const total = (rows: Array<{ n: string }>) => rows.reduce((a, r) => a + Number(r.n), 0);

  if (!options.rules) {
    // One transaction, temp tables only.
    return w.transaction(async (tx) => {
      await tx.execute(`CREATE OR REPLACE TEMP TABLE ${batch} AS ${batchSql}`);
      const parts = await summary(tx);
      if (total(parts) > 0) {
        const latest = `edp_merge_latest_${n}`;
        await tx.execute(`CREATE OR REPLACE TEMP TABLE ${latest} AS ${latestSql(batch)}`);
        await apply(tx, latest, toMaxima(parts));
        await tx.execute(`DROP TABLE ${latest}`);
      }
      await tx.execute(`DROP TABLE ${batch}`);
      return total(parts);
    });
  }

  // With rules: the micro-batch becomes a table the rule engine checks (and quarantines from) before
  // it merges; a crash in between leaves the raw rows unmerged, so the next merge redoes it all.
  const microbatch = { schema: 'staging', table: `${t.table}__microbatch${options.ranges ? '_backfill' : ''}` };
  const prepared = await w.transaction(async (tx) => {
    await tx.execute(`CREATE OR REPLACE TEMP TABLE ${batch} AS ${batchSql}`);
    const parts = await summary(tx);
    if (total(parts) > 0) await tx.execute(`CREATE OR REPLACE TABLE ${d.table(microbatch)} AS ${latestSql(batch)}`);
    await tx.execute(`DROP TABLE ${batch}`);
    return { maxima: toMaxima(parts), rows: total(parts) };
  });
  if (prepared.rows === 0) return 0;
  const runId = `edp-stream-${t.table}-${prepared.maxima.map((x) => `${x.p}:${x.o}`).join(',')}`;
  await evaluateRuleFile(w, options.rules, { runId, target: microbatch });
  await w.transaction(async (tx) => {
    await apply(tx, d.table(microbatch), prepared.maxima);
    await tx.execute(`DROP TABLE ${d.table(microbatch)}`);
  });
  return prepared.rows;
}
