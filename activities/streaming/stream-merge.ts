import type { StatusHistoryConfig, StreamTopicConfig } from '../../lib/config/schema';
import { KeyedLock } from '../keyed-lock';
import { evaluateRuleFile, type RuleFile } from '../quality';
import type { Warehouse, WarehouseSession } from '../warehouse';
import {
  applyStatusHistory,
  applyTopicHistory,
  ensureStatusHistory,
  ensureTopicHistory,
  unreadBatchRuns,
} from './history';
import { ensureQuarantinedEvents, recordQuarantinedEvents } from './quarantined-events';
import { typedColumn } from './raw-events';
import { rawTable, recordPosition, STREAM_MERGED, stagingTable } from './stream-tables';

/** Raw offsets `[from, to)` of one partition. */
type OffsetRange = { partition: number; from: number; to: number };

/** What to merge: the live stream's unmerged rows (default), or a backfill's offset ranges; and the rule file, if any. */
export interface MergeOptions {
  maxRows?: number;
  ranges?: readonly OffsetRange[];
  /** The rule file for `staging.<table>`: each micro-batch is checked (and bad rows quarantined) before it merges. */
  rules?: RuleFile;
  /** The status histories this topic feeds (`streaming.statusHistory` entries naming it); see {@link statusHistoriesOf}. */
  statusHistories?: readonly StatusHistoryConfig[];
}

/** The status histories whose stream side is topic `t`. */
export function statusHistoriesOf(
  streaming: { statusHistory?: readonly StatusHistoryConfig[] },
  t: StreamTopicConfig,
): StatusHistoryConfig[] {
  return (streaming.statusHistory ?? []).filter((h) => h.stream.topic === t.topic || h.stream.topic === t.table);
}

/**
 * Merges raw rows not yet merged into `staging.<table>`: the latest event per key wins (by event time,
 * then offset); an older event never overwrites a newer row; a Debezium delete removes the row. With a
 * rule file every event of the micro-batch is checked first by the same engine as batch (rows failing a quarantining
 * rule go to `staging.<table>__quality_errors`, never into staging, and their positions to
 * `staging.<table>__quarantined_events`: a quarantined delete removes nothing). In the same
 * transaction the touched keys' SCD type 2 versions (`history.<table>`, with `history`) and status histories are
 * rebuilt, the latter also for batch runs not read yet. The merged position per partition commits
 * with these changes, so a retry merges nothing twice. Returns the raw rows merged.
 */
export function mergeToStaging(w: Warehouse, t: StreamTopicConfig, options: MergeOptions = {}): Promise<number> {
  // Merges of one topic in this process take turns: on DuckDB (one process holds the file) two at once
  // would conflict on the history tables and one fail; across processes the engine's locks order them.
  let lock = mergeLocks.get(w);
  if (!lock) mergeLocks.set(w, (lock = new KeyedLock()));
  return lock.run(t.topic, () => merge(w, t, options));
}

const mergeLocks = new WeakMap<Warehouse, KeyedLock>();

async function merge(w: Warehouse, t: StreamTopicConfig, options: MergeOptions): Promise<number> {
  const d = w.dialect;
  const cols = Object.entries(t.columns);
  const q = (c: string) => d.quoteIdent(c);
  const keyMatch = (a: string, b: string) =>
    t.key.map((k) => `${a}.${q(k)} IS NOT DISTINCT FROM ${b}.${q(k)}`).join(' AND ');
  const staging = d.table(stagingTable(t));
  const raw = d.table(rawTable(t));
  const rangeWhere = (ranges: readonly OffsetRange[]) =>
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
  const order = `ORDER BY _edp_event_time DESC, _edp_kafka_partition DESC, _edp_kafka_offset DESC`;
  const eventsSql = (ranges: readonly OffsetRange[]) =>
    `SELECT ${cols.map(([name, type]) => `${typedColumn(w, name, type)} AS ${q(name)}`).join(', ')}, _edp_op, _edp_event_time,
       kafka_partition AS _edp_kafka_partition, kafka_offset AS _edp_kafka_offset
     FROM ${raw} r WHERE ${rangeWhere(ranges)}`;
  // The latest event per key of a relation of events (the raw rows of the ranges, or those the rules kept).
  const latestOf = (events: string) => `(SELECT ${out.join(', ')} FROM (
         SELECT *, row_number() OVER (PARTITION BY ${t.key.map(q).join(', ')} ${order}) AS edp_rn
         FROM (${events}) x) y
       WHERE edp_rn = 1)`;
  const latestSql = (ranges: readonly OffsetRange[]) => latestOf(eventsSql(ranges));
  const apply = async (tx: WarehouseSession, latest: string, ranges: readonly OffsetRange[]) => {
    // Newer-or-equal events replace the row; an older event leaves it alone.
    await tx.execute(
      `DELETE FROM ${staging} s WHERE EXISTS (SELECT 1 FROM ${latest} l WHERE ${keyMatch('s', 'l')} AND s._edp_event_time <= l._edp_event_time)`,
    );
    await tx.execute(
      `INSERT INTO ${staging} (${[...cols.map(([name]) => q(name)), '_edp_event_time', '_edp_kafka_partition', '_edp_kafka_offset', '_edp_merged_at'].join(', ')})
       SELECT ${cols.map(([name]) => `l.${q(name)}`).join(', ')}, l._edp_event_time, l._edp_kafka_partition, l._edp_kafka_offset, ${d.now()}
       FROM ${latest} l WHERE l._edp_op <> 'd' AND NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${keyMatch('s', 'l')})`,
    );
    await applyHistories(tx, ranges);
    if (!options.ranges) {
      for (const r of ranges) await recordPosition(tx, STREAM_MERGED, t.topic, r.partition, r.to - 1);
    }
  };

  const statusHistories = options.statusHistories ?? [];
  if (options.rules || t.history || statusHistories.length > 0) await ensureQuarantinedEvents(w, t);
  if (t.history) await ensureTopicHistory(w, t);
  for (const h of statusHistories) await ensureStatusHistory(w, h);
  const batchRuns = await Promise.all(statusHistories.map((h) => unreadBatchRuns(w, h)));
  const applyHistories = async (tx: WarehouseSession, ranges: readonly OffsetRange[]) => {
    const where = ranges.length > 0 ? rangeWhere(ranges) : undefined;
    if (t.history && where) await applyTopicHistory(tx, w, t, where);
    for (const [i, h] of statusHistories.entries()) {
      await applyStatusHistory(tx, w, h, { topic: t, where, batchRuns: batchRuns[i] });
    }
  };
  const ranges = (await fixRanges()).filter((r) => r.rows > 0);
  const rows = ranges.reduce((a, r) => a + r.rows, 0);
  if (rows === 0) {
    if (batchRuns.some((runs) => runs.length > 0)) await w.transaction((tx) => applyHistories(tx, []));
    return 0;
  }
  if (!options.rules) {
    await w.transaction((tx) => apply(tx, latestSql(ranges), ranges));
    return rows;
  }

  // With rules: every event of the micro-batch is checked by the same engine as batch before it merges,
  // not only the latest per key: an earlier bad event would otherwise open a version and sway the change
  // detection of the events after it. The rule file judges a staging table (one row per key; a key or
  // duplicates rule relies on it), so the events are checked in layers of one per key: the latest of
  // each key, then the one before it, … Staging then takes the latest event the rules kept. A crash in
  // between leaves the raw rows unmerged, so the next merge redoes it all. DDL stays outside the
  // transactions (Snowflake commits DDL by itself).
  const scratch = (role: string) => ({
    schema: 'staging',
    table: `${t.table}__${role}${options.ranges ? '_backfill' : ''}`,
  });
  const [events, microbatch, kept] = [scratch('microbatch_events'), scratch('microbatch'), scratch('microbatch_kept')];
  await w.execute(
    d.createTableAs(
      events,
      `SELECT e.*, row_number() OVER (PARTITION BY ${t.key.map(q).join(', ')} ${order}) AS edp_layer FROM (${eventsSql(ranges)}) e`,
    ),
  );
  await w.execute(d.createTableAs(kept, `SELECT ${out.join(', ')} FROM ${d.table(events)} WHERE 1 = 0`));
  const [{ n: layers }] = await w.query<{ n: string | number }>(`SELECT MAX(edp_layer) AS n FROM ${d.table(events)}`);
  const runId = `edp-stream-${t.table}-${ranges.map((r) => `${r.partition}:${r.to - 1}`).join(',')}`;
  for (let layer = 1; layer <= Number(layers); layer++) {
    await w.execute(
      d.createTableAs(microbatch, `SELECT ${out.join(', ')} FROM ${d.table(events)} WHERE edp_layer = ${layer}`),
    );
    // The latest events keep the run id they always had; earlier layers record theirs under their own.
    await evaluateRuleFile(w, options.rules, { runId: layer === 1 ? runId : `${runId}~${layer}`, target: microbatch });
    await w.execute(`INSERT INTO ${d.table(kept)} SELECT ${out.join(', ')} FROM ${d.table(microbatch)}`);
  }
  await w.transaction(async (tx) => {
    // Before the histories read raw: the events the rules removed must open no version there.
    await recordQuarantinedEvents(tx, w, t, { checked: `(SELECT * FROM ${d.table(events)})`, kept, runId });
    await apply(tx, latestOf(`SELECT * FROM ${d.table(kept)}`), ranges);
  });
  for (const table of [microbatch, kept, events]) await w.execute(`DROP TABLE ${d.table(table)}`);
  return rows;
}
