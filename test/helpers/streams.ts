import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, StreamTopicConfig, StreamingConfig } from '../../lib/config/schema';
import { testServices } from '../setup/test-services';
import { createTopicsWithLeaders } from '../../cli/kafka-topics';

/** The test run's Kafka broker, as the streaming activities take it. */
export function testKafka(): KafkaConfig {
  return { brokers: [testServices().kafkaBroker], clientId: 'edp-test' };
}

/** Streaming settings for the activity tests: small batches, frequent merges, short activities. */
export function testStreaming(topics: StreamTopicConfig[]): StreamingConfig {
  return {
    topics,
    batchMaxRows: 500,
    mergeEveryMs: 200,
    activitySeconds: 5,
    monitor: { everySeconds: 15, windowSeconds: 300 },
  };
}

/** Topic configs unique to one test, so tests never share a topic or consumer group. */
export function testTopics(name: string): StreamTopicConfig[] {
  return [
    {
      topic: `${name}.claims`,
      table: `${name.replace(/-/g, '_')}_claim_events`,
      format: 'json',
      columns: { event_id: 'string', claim_id: 'string', status: 'string', amount: 'decimal', event_time: 'timestamp' },
      key: ['claim_id'],
      eventTime: 'event_time',
    },
    {
      topic: `${name}.members`,
      table: `${name.replace(/-/g, '_')}_member_updates`,
      format: 'debezium',
      columns: { member_id: 'string', first_name: 'string', plan_id: 'string', updated_at: 'timestamp' },
      key: ['member_id'],
    },
  ];
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with the last state described. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** What one `consumeStream` pass reports that `consumeUntil` adds up. */
interface ConsumePass {
  rowsInserted: number;
  deadLetters: number;
}

/**
 * Runs consume passes until `expected` events have been written (rows + dead letters) or `timeoutMs`
 * runs out (two topics' worth stays inside jest's test timeout), and returns the total. A pass's
 * window is wall-clock time, so on a loaded machine one pass may end before the group has joined and
 * read everything; the total must still be exact.
 */
export async function consumeUntil(
  consume: () => Promise<ConsumePass>,
  expected: number,
  timeoutMs = 40_000,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  let total = 0;
  do {
    const pass = await consume();
    total += pass.rowsInserted + pass.deadLetters;
  } while (total < expected && Date.now() < until);
  return total;
}

/** Creates a topic of one partition on the brokers (the monitor measures configured topics; it creates none). */
export async function createTopic(brokers: readonly string[], topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'edp-test-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [topic], 1).finally(() => admin.disconnect());
}

/** Claim events `C1`…`Cn` of a {@link testTopics} claims topic as Kafka messages, each with the given event time. */
export function claimMessages(n: number, eventTime: string): Array<{ key: string; value: string }> {
  return Array.from({ length: n }, (_, k) => k + 1).map((i) => ({
    key: `C${i}`,
    value: JSON.stringify({
      event_id: `E${i}`,
      claim_id: `C${i}`,
      status: 'submitted',
      amount: 10,
      event_time: eventTime,
    }),
  }));
}
