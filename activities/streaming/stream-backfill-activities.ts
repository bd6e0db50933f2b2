import { ApplicationFailure } from '@temporalio/common';
import type { KafkaMessage } from 'kafkajs';
import { ErrorType } from '../errors';
import { activityContext } from '../heartbeat';
import { logEvent } from '../telemetry';
import { kafkaClient, stagingRules, streamTopic, type StreamDeps } from './stream-ingest-activities';
import { mergeToStaging } from './stream-merge';
import { ensureStreamTables, messageRows, writeMessageRows } from './stream-tables';

/** Offsets [from, to) of one partition to replay; `next` is where the replay has got to. */
export interface BackfillRange {
  partition: number;
  from: number;
  to: number;
  next: number;
}

/** What to replay: offsets, times (ISO; resolved to offsets by Kafka's time index), or both mixed. */
export interface BackfillSpec {
  topic: string;
  fromOffset?: number;
  toOffset?: number;
  fromTime?: string;
  toTime?: string;
  /** Only these partitions (default all). */
  partitions?: number[];
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

const parseTime = (text: string, what: string): number => {
  const ms = new Date(text).getTime();
  if (Number.isNaN(ms))
    throw ApplicationFailure.nonRetryable(`${what} "${text}" is not an ISO-8601 time`, ErrorType.BadInput);
  return ms;
};

/** Builds the streaming backfill activities. */
export function createStreamBackfillActivities(deps: StreamDeps) {
  const w = deps.warehouse;
  return {
    /** Resolves a backfill spec to offset ranges per partition, clamped to what the topic still holds. */
    async resolveBackfillRanges(spec: BackfillSpec): Promise<BackfillRange[]> {
      const t = streamTopic(deps, spec.topic);
      const admin = kafkaClient(deps.kafka, 'backfill-admin').admin();
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(t.topic);
        const at = async (iso: string | undefined, what: string): Promise<Map<number, number> | undefined> => {
          if (!iso) return undefined;
          const found = await admin.fetchTopicOffsetsByTimestamp(t.topic, parseTime(iso, what));
          return new Map(found.map((f) => [f.partition, Number(f.offset)]));
        };
        const fromAt = await at(spec.fromTime, 'fromTime');
        const toAt = await at(spec.toTime, 'toTime');
        const ranges: BackfillRange[] = [];
        for (const e of ends) {
          if (spec.partitions && !spec.partitions.includes(e.partition)) continue;
          const low = Number(e.low);
          const high = Number(e.high);
          const from = Math.max(low, spec.fromOffset ?? 0, fromAt?.get(e.partition) ?? low);
          const to = Math.min(high, spec.toOffset ?? high, toAt?.get(e.partition) ?? high);
          if (to > from) ranges.push({ partition: e.partition, from, to, next: from });
        }
        return ranges.sort((a, b) => a.partition - b.partition);
      } finally {
        await admin.disconnect();
      }
    },

    /**
     * Replays up to `maxMessages` of the ranges into raw with its own consumer group: rows whose
     * (partition, offset) raw already holds are skipped, new ones are inserted (poison ones to the
     * dead-letter table) and merged into staging, where an older event never overwrites a newer row.
     * The live consumer's offsets are not touched. Returns the ranges with `next` advanced.
     */
    async backfillStream(input: {
      topic: string;
      groupId: string;
      ranges: BackfillRange[];
      maxMessages: number;
    }): Promise<BackfillChunkResult> {
      const t = streamTopic(deps, input.topic);
      await ensureStreamTables(w, t);
      const ctx = activityContext();
      const ranges = input.ranges.map((r) => ({ ...r }));
      const rules = stagingRules(deps, t);
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
              await mergeToStaging(w, t, { ranges: [{ partition: r.partition, from, to: r.next }], rules });
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
    },
  };
}
