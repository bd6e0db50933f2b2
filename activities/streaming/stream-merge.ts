import type { StreamTopicConfig } from '../../lib/config/schema';
import { evaluateRuleFile, type RuleFile } from '../quality';
import type { Warehouse, WarehouseSession } from '../warehouse';
import { rawTable, recordPosition, STREAM_MERGED, stagingTable } from './stream-tables';

/** One typed column out of a raw row's JSON (timestamps may also be epoch milliseconds, as Debezium sends them). */
function extract(w: Warehouse, name: string, type: StreamTopicConfig['columns'][string]): string {
  const d = w.dialect;
  const text = d.jsonText('row_json', name);
  if (type === 'timestamp') {
    return `CASE WHEN ${d.regexFullMatch(text, '-?[0-9]+')} THEN ${d.fromEpochMs(text)}
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
  const cols = Object.entries(t.columns);
  const q = (c: string) => d.quoteIdent(c);
  const keyMatch = (a: string, b: string) =>
    t.key.map((k) => `${a}.${q(k)} IS NOT DISTINCT FROM ${b}.${q(k)}`).join(' AND ');
  const staging = d.table(stagingTable(t));
  const raw = d.table(rawTable(t));
  const rangeWhere = (ranges: ReadonlyArray<{ partition: number; from: number; to: number }>) =>
    ranges
      .map((r) => `(r.kafka_partition = ${r.partition} AND r.kafka_offset >= ${r.from} AND r.kafka_offset < ${r.to})`)
      .join(' OR ') || 'FALSE';
  // The batch is fixed as offset ranges before it is read twice: a statement in a transaction may see
  // rows committed since the last one (Snowflake reads committed data per statement).
  const fixRanges = async (): Promise<Array<{ partition: number; from: number; to: number; rows: number }>> => {
    if (options.ranges) {
      const counts = await w.query<{ p: string | number; n: string | number }>(
        `SELECT r.kafka_partition AS p, COUNT(*) AS n FROM ${raw} r WHERE ${rangeWhere(options.ranges)} GROUP BY r.kafka_partition`,
      );
      const n = new Map(counts.map((c) => [Number(c.p), Number(c.n)]));
      return options.ranges.map((r) => ({ ...r, rows: n.get(r.partition) ?? 0 }));
    }
    const parts = await w.query<{ p: string | number; lo: string | number; hi: string | number; n: string | number }>(
      `SELECT kafka_partition AS p, MIN(kafka_offset) AS lo, MAX(kafka_offset) AS hi, COUNT(*) AS n FROM (
         SELECT r.kafka_partition, r.kafka_offset FROM ${raw} r
         LEFT JOIN ${STREAM_MERGED} m ON m.topic = ${d.literal(t.topic)} AND m.kafka_partition = r.kafka_partition
         WHERE r.kafka_offset > COALESCE(m.merged_offset, -1)
         ORDER BY r.kafka_partition, r.kafka_offset
         LIMIT ${options.maxRows ?? 200_000}) b
       GROUP BY kafka_partition`,
    );
    return parts.map((x) => ({ partition: Number(x.p), from: Number(x.lo), to: Number(x.hi) + 1, rows: Number(x.n) }));
  };
  const out = [
    ...cols.map(([name]) => q(name)),
    '_edp_op',
    '_edp_event_time',
    '_edp_kafka_partition',
    '_edp_kafka_offset',
  ];
  const latestSql = (
    ranges: ReadonlyArray<{ partition: number; from: number; to: number }>,
  ) => `(SELECT ${out.join(', ')} FROM (
         SELECT *, row_number() OVER (PARTITION BY ${t.key.map(q).join(', ')} ORDER BY _edp_event_time DESC, _edp_kafka_partition DESC, _edp_kafka_offset DESC) AS edp_rn
         FROM (SELECT ${cols.map(([name, type]) => extract(w, name, type)).join(', ')}, _edp_op, _edp_event_time,
                 kafka_partition AS _edp_kafka_partition, kafka_offset AS _edp_kafka_offset
               FROM ${raw} r WHERE ${rangeWhere(ranges)}) x) y
       WHERE edp_rn = 1)`;
  const apply = async (
    tx: WarehouseSession,
    latest: string,
    ranges: ReadonlyArray<{ partition: number; to: number }>,
  ) => {
    // Newer-or-equal events replace the row; an older event leaves it alone.
    await tx.execute(
      `DELETE FROM ${staging} s WHERE EXISTS (SELECT 1 FROM ${latest} l WHERE ${keyMatch('s', 'l')} AND s._edp_event_time <= l._edp_event_time)`,
    );
    await tx.execute(
      `INSERT INTO ${staging} (${[...cols.map(([name]) => q(name)), '_edp_event_time', '_edp_kafka_partition', '_edp_kafka_offset', '_edp_merged_at'].join(', ')})
       SELECT ${cols.map(([name]) => `l.${q(name)}`).join(', ')}, l._edp_event_time, l._edp_kafka_partition, l._edp_kafka_offset, ${d.now()}
       FROM ${latest} l WHERE l._edp_op <> 'd' AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${keyMatch('s', 'l')})`,
    );
    if (!options.ranges) {
      for (const r of ranges) await recordPosition(tx, STREAM_MERGED, t.topic, r.partition, r.to - 1);
    }
  };

  const ranges = (await fixRanges()).filter((r) => r.rows > 0);
  const rows = ranges.reduce((a, r) => a + r.rows, 0);
  if (rows === 0) return 0;
  if (!options.rules) {
    await w.transaction((tx) => apply(tx, latestSql(ranges), ranges));
    return rows;
  }

  // With rules: the micro-batch becomes a table the rule engine checks (and quarantines from) before
  // it merges; a crash in between leaves the raw rows unmerged, so the next merge redoes it all. DDL
  // stays outside the transactions (Snowflake commits DDL by itself).
  const microbatch = { schema: 'staging', table: `${t.table}__microbatch${options.ranges ? '_backfill' : ''}` };
  await w.execute(d.createTableAs(microbatch, `SELECT * FROM ${latestSql(ranges)} b`));
  const runId = `edp-stream-${t.table}-${ranges.map((r) => `${r.partition}:${r.to - 1}`).join(',')}`;
  await evaluateRuleFile(w, options.rules, { runId, target: microbatch });
  await w.transaction((tx) => apply(tx, d.table(microbatch), ranges));
  await w.execute(`DROP TABLE ${d.table(microbatch)}`);
  return rows;
}
