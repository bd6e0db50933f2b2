import { ApplicationFailure } from '@temporalio/common';
import type { KafkaMessage } from 'kafkajs';
import { activityContext } from '../heartbeat';
import { logEvent } from '../telemetry';
import type { BackfillRange } from './resolve-backfill-ranges';
import { kafkaClient } from '../connections';
import { stagingRules, streamTopic, type StreamDeps } from './stream-deps';
import { mergeToStaging, statusHistoriesOf } from './stream-merge';
import { ensureStreamTables, messageRows, writeMessageRows } from './stream-tables';

/** Input of {@link backfillStream}: one chunk of a backfill. */
export interface BackfillChunkInput {
  topic: string;
  groupId: string;
  ranges: BackfillRange[];
  maxMessages: number;
}

/** Outcome of one replay chunk. */
export interface BackfillChunkResult {
  ranges: BackfillRange[];
  read: number;
  inserted: number;
  deadLetters: number;
  /** Messages whose (partition, offset) raw already had: a backfill never duplicates. */
  alreadyThere: number;
}

/**
 * Replays up to `maxMessages` of the ranges into raw with its own consumer group: rows whose
 * (partition, offset) raw already holds are skipped, new ones are inserted (poison ones to the
 * dead-letter table) and merged into staging, where an older event never overwrites a newer row.
 * The live consumer's offsets are not touched. Returns the ranges with `next` advanced.
 */
export async function backfillStream(deps: StreamDeps, input: BackfillChunkInput): Promise<BackfillChunkResult> {
  const w = deps.warehouse;
  const t = streamTopic(deps, input.topic);
  await ensureStreamTables(w, t);
  const ctx = activityContext();
  const ranges = input.ranges.map((r) => ({ ...r }));
  const rules = stagingRules(deps, t);
  const statusHistories = statusHistoriesOf(deps.streaming, t);
  const result: BackfillChunkResult = { ranges, read: 0, inserted: 0, deadLetters: 0, alreadyThere: 0 };
  const pending = () => ranges.filter((r) => r.next < r.to);
  if (pending().length === 0) return result;
  const consumer = kafkaClient(deps.kafka, `backfill-${t.table}`).consumer({
    groupId: input.groupId,
    maxWaitTimeInMs: 200,
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let failure: Error | undefined;
  ctx?.cancellationSignal.addEventListener('abort', () => finish());
  const idle = setTimeout(finish, 120_000); // a chunk never runs forever
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: t.topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[t.topic] ?? [];
      const idleParts = assigned.filter((p) => !ranges.some((r) => r.partition === p));
      if (idleParts.length > 0) consumer.pause([{ topic: t.topic, partitions: idleParts }]);
      for (const r of ranges) {
        if (r.next < r.to) consumer.seek({ topic: t.topic, partition: r.partition, offset: String(r.next) });
        else consumer.pause([{ topic: t.topic, partitions: [r.partition] }]);
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      failure = payload.error;
      finish();
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const r = ranges.find((x) => x.partition === payload.batch.partition);
        if (!r || r.next >= r.to || result.read >= input.maxMessages) return;
        const wanted: KafkaMessage[] = payload.batch.messages
          .filter((m) => Number(m.offset) >= r.next && Number(m.offset) < r.to)
          .slice(0, input.maxMessages - result.read);
        if (wanted.length > 0) {
          const { rows, dead } = messageRows(t, r.partition, wanted, Date.now());
          const written = await w.transaction((tx) => writeMessageRows(tx, t, rows, dead));
          const from = r.next;
          r.next = Number(wanted[wanted.length - 1].offset) + 1;
          await mergeToStaging(w, t, {
            ranges: [{ partition: r.partition, from, to: r.next }],
            rules,
            statusHistories,
          });
          result.read += wanted.length;
          result.inserted += written.inserted;
          result.deadLetters += written.deadLetters;
          result.alreadyThere += wanted.length - written.inserted - written.deadLetters;
          ctx?.heartbeat({ ranges });
        }
        if (r.next >= r.to) payload.pause();
        if (pending().length === 0 || result.read >= input.maxMessages) finish();
        await payload.heartbeat();
      },
    });
    await finished;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect().catch(() => undefined);
  }
  if (failure)
    throw ApplicationFailure.retryable(`backfill consumer of ${t.topic} crashed: ${failure.message}`, 'KafkaError');
  logEvent('stream backfill chunk', {
    topic: t.topic,
    read: result.read,
    inserted: result.inserted,
    alreadyThere: result.alreadyThere,
  });
  return result;
}
