import { ApplicationFailure } from '@temporalio/common';
import type { Consumer } from 'kafkajs';
import { edpClassification } from '../../lib/errors';
import { emptyConsumeResult, type ConsumeResult } from '../../lib/stream-counts';
import { activityContext } from '../heartbeat';
import { addToCounter, logEvent } from '../telemetry';
import { kafkaClient } from '../connections';
import { stagingRules, streamTopic, type StreamDeps } from './stream-deps';
import { MergeCadence } from './merge-cadence';
import { mergeToStaging, statusHistoriesOf } from './stream-merge';
import { ensureStreamTables, warehouseOffsets } from './stream-tables';
import { writePartitionBatch } from './write-partition-batch';

export type { ConsumeResult } from '../../lib/stream-counts';

/**
 * Partitions of a topic whose micro-batches one consumer writes at the same time on DuckDB. On Snowflake the
 * batches' offset updates lock `audit.stream_offsets` whole, so they would only queue there (holding pool
 * connections): one at a time.
 */
export const PARTITIONS_AT_ONCE = 4;

/** Input of {@link consumeStream}. */
export interface ConsumeInput {
  /** The Kafka topic (one of `streaming.topics`). */
  topic: string;
  /** How long to consume before returning; default `streaming.activitySeconds`. */
  runSeconds?: number;
}

/**
 * Consumes a topic for a while: micro-batches go to `raw.<table>` exactly once (rows and offsets in
 * one transaction; each partition's in order, up to {@link PARTITIONS_AT_ONCE} partitions side by side; on
 * start, restart or rebalance it resumes after the warehouse's offsets), poison
 * messages to `raw.<table>__dead_letters`, and staging merges at least every `mergeEveryMs`, sooner while merges
 * are cheap with `adaptiveMerge` (also after the last message before the topic goes quiet). Heartbeats its
 * positions; stops early when cancelled. Kafka group offsets are committed for lag monitoring only.
 */
export async function consumeStream(deps: StreamDeps, input: ConsumeInput): Promise<ConsumeResult> {
  const w = deps.warehouse;
  const t = streamTopic(deps, input.topic);
  await ensureStreamTables(w, t);
  const ctx = activityContext();
  const result: ConsumeResult = emptyConsumeResult(t.topic);
  const positions = await warehouseOffsets(w, t.topic);
  const rules = stagingRules(deps, t);
  const statusHistories = statusHistoriesOf(deps.streaming, t);
  const consumer: Consumer = kafkaClient(deps.kafka, `stream-${t.table}`).consumer({
    groupId: `edp-stream-${t.table}`,
    maxWaitTimeInMs: 100,
    // A backlog then comes in larger fetches (kafkajs' 1 MB held ~5,900 events): each micro-batch, up to
    // `batchMaxRows`, pays its transaction, offset commit and heartbeat once for more rows.
    maxBytesPerPartition: 4 * 1024 * 1024,
    // A consumer that died (a killed worker) holds its partitions until this runs out.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const cadence = new MergeCadence(deps.streaming.mergeEveryMs, deps.streaming.adaptiveMerge ?? true, Date.now());
  // A micro-batch that arrives before the next merge is due is merged by a trailing timer
  // when no batch is being written by then (a busy consumer merges at the end of its next batch):
  // otherwise a source that goes quiet would leave its last changes in raw, out of staging, until the
  // next message or the end of the activity. `inBatch` counts the partitions' batches being written.
  let inBatch = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  let trailingMerge: Promise<void> = Promise.resolve();
  let mergeFailed: Error | undefined;
  // Merges running (or waiting for the topic's merge lock): partitions whose batches end together start one
  // merge, not one each; the others leave their rows to a trailing merge or the next batch's.
  let merging = 0;
  const mergeNow = async (): Promise<void> => {
    clearTimeout(trailing);
    trailing = undefined;
    merging++;
    try {
      const start = Date.now();
      // Read after the await: a merge that ran beside another adds its rows to the other's.
      const merged = await mergeToStaging(w, t, { rules, statusHistories });
      result.merged += merged;
      cadence.merged(start, Date.now());
    } finally {
      merging--;
    }
  };
  const armTrailing = (dueIn: number): void => {
    trailing ??= setTimeout(() => {
      trailing = undefined;
      if (inBatch > 0) return;
      trailingMerge = mergeNow().catch((err: unknown) => {
        mergeFailed = err as Error;
        stop();
      });
    }, dueIn);
  };
  let crashed: Error | undefined;
  // A non-retryable refusal inside a batch (a source schema change) ends the run instead of the
  // consumer restarting onto the same message.
  let refused: Error | undefined;
  const runMs = (input.runSeconds ?? deps.streaming.activitySeconds) * 1000;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const timer = setTimeout(stop, runMs);
  ctx?.cancellationSignal.addEventListener('abort', () => stop());
  const beat = setInterval(() => ctx?.heartbeat({ ...result, positions: Object.fromEntries(positions) }), 2000);
  let ran = false;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: t.topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Resume strictly after what the warehouse holds, whatever Kafka's group offsets say.
      for (const p of payload.memberAssignment[t.topic] ?? []) {
        const at = positions.get(p);
        if (at !== undefined) consumer.seek({ topic: t.topic, partition: p, offset: String(at) });
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        crashed = payload.error;
        stop();
      }
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Each partition's batches still come one after the other (its offsets in order), but the partitions'
      // batches of a fetch are written side by side: one partition's warehouse transaction runs on the
      // engine's threads while the next partition's messages are decoded here. Their rows and offset rows
      // are distinct, so DuckDB's transactions do not conflict (Snowflake's would queue on a table lock).
      partitionsConsumedConcurrently: w.dialect.name === 'duckdb' ? PARTITIONS_AT_ONCE : 1,
      eachBatch: async (payload) => {
        inBatch++;
        let wrote = false;
        let finished = false;
        try {
          const { batch } = payload;
          for (
            let i = 0;
            i < batch.messages.length && payload.isRunning() && !payload.isStale();
            i += deps.streaming.batchMaxRows
          ) {
            const slice = batch.messages.slice(i, i + deps.streaming.batchMaxRows);
            // The batch's last slice also passes the control records the fetch ended with.
            const through = i + slice.length === batch.messages.length ? Number(batch.lastOffset()) : undefined;
            let r: Awaited<ReturnType<typeof writePartitionBatch>>;
            try {
              r = await writePartitionBatch(w, t, batch.partition, slice, through);
            } catch (err) {
              if (edpClassification(err)?.retryable !== false) throw err;
              refused = err as Error;
              stop();
              return;
            }
            wrote = true;
            positions.set(batch.partition, r.next);
            result.messages += slice.length;
            result.rowsInserted += r.inserted;
            result.deadLetters += r.deadLetters;
            result.skipped += r.skipped;
            result.ignored = (result.ignored ?? 0) + r.ignored;
            const lastOffset = slice[slice.length - 1].offset;
            payload.resolveOffset(lastOffset);
            // For lag monitoring only: the warehouse's offsets are the ones that count.
            await consumer.commitOffsets([{ topic: t.topic, partition: batch.partition, offset: String(r.next) }]);
            await payload.heartbeat();
            const tags = { topic: t.topic };
            addToCounter('edp_stream_rows_ingested', r.inserted, tags, 'Stream events written to raw');
            addToCounter('edp_stream_dead_letters', r.deadLetters, tags, 'Poison stream messages');
            addToCounter('edp_stream_ignored', r.ignored, tags, 'Stream messages with nothing to store (tombstones)');
          }
          finished = true;
        } finally {
          inBatch--;
          // Rows committed by a batch that then threw (an offset commit or heartbeat refused in a rebalance) are
          // not delivered again: a trailing merge takes them to staging even if the topic goes quiet.
          if (wrote && !finished) armTrailing(cadence.dueIn(Date.now()));
        }
        const dueIn = cadence.dueIn(Date.now());
        if (dueIn === 0 && merging === 0) await mergeNow();
        else armTrailing(dueIn);
      },
    });
    await stopped;
    ran = true;
  } finally {
    clearTimeout(timer);
    clearTimeout(trailing);
    // Heartbeats go on while the disconnect waits for the batches in flight and their merges.
    await consumer.disconnect().catch(() => undefined);
    // A batch that ended during the disconnect may have armed another trailing merge: the final one covers it.
    clearTimeout(trailing);
    await trailingMerge;
    if (!ran || mergeFailed || refused || crashed) clearInterval(beat);
  }
  if (mergeFailed) throw mergeFailed;
  if (refused) throw refused;
  if (crashed) throw ApplicationFailure.retryable(`consumer of ${t.topic} crashed: ${crashed.message}`, 'KafkaError');
  try {
    await mergeNow();
  } finally {
    clearInterval(beat);
  }
  result.positions = Object.fromEntries([...positions].map(([p, o]) => [String(p), o]));
  logEvent('stream consumed', { ...result, positions: undefined });
  return result;
}
