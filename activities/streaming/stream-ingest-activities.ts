import { ApplicationFailure } from '@temporalio/common';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { KafkaConfig, StreamTopicConfig, StreamingConfig } from '../../lib/config/schema';
import { ErrorType } from '../errors';
import { activityContext } from '../heartbeat';
import { addToCounter, logEvent } from '../telemetry';
import type { Warehouse } from '../warehouse';
import { existsSync } from 'node:fs';
import { loadRuleFiles, RuleFileError, type RuleFile } from '../quality';
import { emptyConsumeResult, type ConsumeResult } from '../../lib/stream-counts';

export type { ConsumeResult } from '../../lib/stream-counts';
import { mergeToStaging } from './stream-merge';
import {
  ensureStreamTables,
  messageRows,
  recordPosition,
  STREAM_OFFSETS,
  warehouseOffsets,
  writeMessageRows,
} from './stream-tables';

/** What the streaming activities need from the worker. */
export interface StreamDeps {
  warehouse: Warehouse;
  kafka: KafkaConfig;
  streaming: StreamingConfig;
  /** Quality rule files; one for `staging.<table>` checks every micro-batch before it merges. */
  rulesDir?: string;
}

/** The rule file written for a topic's staging table, if there is one. */
export function stagingRules(deps: Pick<StreamDeps, 'rulesDir'>, t: StreamTopicConfig): RuleFile | undefined {
  if (!deps.rulesDir || !existsSync(deps.rulesDir)) return undefined;
  try {
    return loadRuleFiles(deps.rulesDir).find((f) => f.table === `staging.${t.table}`);
  } catch (err) {
    if (err instanceof RuleFileError) throw ApplicationFailure.nonRetryable(err.message, ErrorType.BadInput);
    throw err;
  }
}

/** Input of `consumeStream`. */
export interface ConsumeInput {
  /** The Kafka topic (one of `streaming.topics`). */
  topic: string;
  /** How long to consume before returning; default `streaming.activitySeconds`. */
  runSeconds?: number;
}

/** Looks a topic up in config; unknown ones are a non-retryable error naming the configured ones. */
export function streamTopic(deps: Pick<StreamDeps, 'streaming'>, topic: string): StreamTopicConfig {
  const found = deps.streaming.topics.find((t) => t.topic === topic || t.table === topic);
  if (!found) {
    throw ApplicationFailure.nonRetryable(
      `unknown stream topic "${topic}" (configured: ${deps.streaming.topics.map((t) => t.topic).join(', ') || 'none'})`,
      ErrorType.BadInput,
    );
  }
  return found;
}

/** A kafkajs client for the configured brokers, quiet (errors surface through the activity). */
export function kafkaClient(kafka: KafkaConfig, suffix: string): Kafka {
  return new Kafka({
    clientId: `${kafka.clientId}-${suffix}`,
    brokers: [...kafka.brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/**
 * Writes messages of one partition in one warehouse transaction: accepted rows to raw, poison ones to
 * the dead-letter table, and the partition's next offset, so rows and offsets commit together. Offsets
 * below the warehouse's position are skipped; the (partition, offset) key skips any row already there.
 */
export async function writePartitionBatch(
  w: Warehouse,
  t: StreamTopicConfig,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<{ inserted: number; deadLetters: number; skipped: number; next: number }> {
  return w.transaction(async (tx) => {
    // Lock the partition's position before reading it: a second writer of the same partition (a
    // rebalance, an overlapping retry) then waits here and reads the committed floor, instead of both
    // passing the NOT EXISTS check on an engine that does not enforce keys (Snowflake).
    await tx.execute(`UPDATE ${STREAM_OFFSETS} SET next_offset = next_offset WHERE topic = ? AND kafka_partition = ?`, [
      t.topic,
      partition,
    ]);
    const [row] = await tx.query<{ o: string | number }>(
      `SELECT next_offset AS o FROM ${STREAM_OFFSETS} WHERE topic = ? AND kafka_partition = ?`,
      [t.topic, partition],
    );
    const floor = row ? Number(row.o) : 0;
    const fresh = messages.filter((m) => Number(m.offset) >= floor);
    const { rows, dead } = messageRows(t, partition, fresh, Date.now());
    const { inserted, deadLetters } = await writeMessageRows(tx, t, rows, dead);
    const last = messages.length > 0 ? Number(messages[messages.length - 1].offset) + 1 : floor;
    const next = Math.max(floor, last);
    await recordPosition(tx, STREAM_OFFSETS, t.topic, partition, next);
    return { inserted, deadLetters, skipped: messages.length - fresh.length, next };
  });
}

/** Builds the streaming ingest activity. */
export function createStreamIngestActivities(deps: StreamDeps) {
  const w = deps.warehouse;
  return {
    /**
     * Consumes a topic for a while: micro-batches go to `raw.<table>` exactly once (rows and offsets in
     * one transaction; on start, restart or rebalance it resumes after the warehouse's offsets), poison
     * messages to `raw.<table>__dead_letters`, and staging merges every `mergeEveryMs`. Heartbeats its
     * positions; stops early when cancelled. Kafka group offsets are committed for lag monitoring only.
     */
    async consumeStream(input: ConsumeInput): Promise<ConsumeResult> {
      const t = streamTopic(deps, input.topic);
      await ensureStreamTables(w, t);
      const ctx = activityContext();
      const result: ConsumeResult = emptyConsumeResult(t.topic);
      const positions = await warehouseOffsets(w, t.topic);
      const rules = stagingRules(deps, t);
      const consumer: Consumer = kafkaClient(deps.kafka, `stream-${t.table}`).consumer({
        groupId: `edp-stream-${t.table}`,
        maxWaitTimeInMs: 100,
        // A consumer that died (a killed worker) holds its partitions until this runs out.
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
      });
      let lastMerge = Date.now();
      let crashed: Error | undefined;
      const runMs = (input.runSeconds ?? deps.streaming.activitySeconds) * 1000;
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const timer = setTimeout(stop, runMs);
      ctx?.cancellationSignal.addEventListener('abort', () => stop());
      const beat = setInterval(() => ctx?.heartbeat({ ...result, positions: Object.fromEntries(positions) }), 2000);
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
          eachBatch: async (payload) => {
            const { batch } = payload;
            for (
              let i = 0;
              i < batch.messages.length && payload.isRunning() && !payload.isStale();
              i += deps.streaming.batchMaxRows
            ) {
              const slice = batch.messages.slice(i, i + deps.streaming.batchMaxRows);
              const r = await writePartitionBatch(w, t, batch.partition, slice);
              positions.set(batch.partition, r.next);
              result.messages += slice.length;
              result.rowsInserted += r.inserted;
              result.deadLetters += r.deadLetters;
              result.skipped += r.skipped;
              const lastOffset = slice[slice.length - 1].offset;
              payload.resolveOffset(lastOffset);
              // For lag monitoring only: the warehouse's offsets are the ones that count.
              await consumer.commitOffsets([{ topic: t.topic, partition: batch.partition, offset: String(r.next) }]);
              await payload.heartbeat();
              const tags = { topic: t.topic };
              addToCounter('edp_stream_rows_ingested', r.inserted, tags, 'Stream events written to raw');
              addToCounter('edp_stream_dead_letters', r.deadLetters, tags, 'Poison stream messages');
            }
            if (Date.now() - lastMerge >= deps.streaming.mergeEveryMs) {
              result.merged += await mergeToStaging(w, t, { rules });
              lastMerge = Date.now();
            }
          },
        });
        await stopped;
      } finally {
        clearTimeout(timer);
        clearInterval(beat);
        await consumer.disconnect().catch(() => undefined);
      }
      if (crashed)
        throw ApplicationFailure.retryable(`consumer of ${t.topic} crashed: ${crashed.message}`, 'KafkaError');
      result.merged += await mergeToStaging(w, t, { rules });
      result.positions = Object.fromEntries([...positions].map(([p, o]) => [String(p), o]));
      logEvent('stream consumed', { ...result, positions: undefined });
      return result;
    },
  };
}
