import { MockActivityEnvironment } from '@temporalio/testing';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { createStreamIngestActivities } from '../../activities/streaming';
import { DuckDbWarehouse } from '../../activities/warehouse';
import type { StreamingConfig } from '../../lib/config/schema';
import { claimMessages, createTopic, testKafka, testStreaming, testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

/** A consumer of a claims topic of its own (real Kafka broker, DuckDB) running until `stop`, and a producer to it. */
async function liveConsumer(name: string, streaming: Partial<StreamingConfig>) {
  const [t] = testTopics(name);
  const kafka = testKafka();
  await createTopic(kafka.brokers, t.topic);
  const producer = new Kafka({
    clientId: `edp-test-${name}`,
    brokers: [...kafka.brokers],
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  const w = await DuckDbWarehouse.open({ path: join(tmpDir(), `${name}.duckdb`) });
  const acts = createStreamIngestActivities({
    warehouse: w,
    kafka,
    streaming: { ...testStreaming([t]), ...streaming },
  });
  const env = new MockActivityEnvironment();
  const state = { ended: false };
  const run = env.run(() => acts.consumeStream({ topic: t.topic })).finally(() => (state.ended = true));
  return {
    state,
    w,
    send: async (messages: Array<{ key: string; value: string }>) => {
      await producer.send({ topic: t.topic, messages });
    },
    /** Rows of `raw.<table>` or `staging.<table>` matching `where` (0 before the table exists). */
    count: async (schema: 'raw' | 'staging', where = 'TRUE'): Promise<number> =>
      Number(
        (
          await w
            .query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM ${schema}.${t.table} WHERE ${where}`)
            .catch(() => [{ n: 0 }])
        )[0].n,
      ),
    stop: async () => {
      await producer.disconnect();
      env.cancel();
      await run.catch(() => undefined);
      await w.close();
    },
  };
}

/**
 * A source that goes quiet right after a burst: the burst arrives within `mergeEveryMs` of the
 * consumer's start (as a last micro-batch within that time of the previous merge would), and no message
 * follows. Its rows must still reach staging while the consumer keeps running (bench/cdc.ts once waited
 * 300 s on 174 such rows).
 */
it('merges the last micro-batch into staging when the topic goes quiet, while the consumer keeps running', async () => {
  // One merge per 20 s at a fixed cadence: the burst reaches the consumer well within that.
  const c = await liveConsumer('it-stream-quiet', { mergeEveryMs: 20_000, adaptiveMerge: false, activitySeconds: 180 });
  try {
    await c.send(claimMessages(25, '2026-12-01T10:00:00Z'));
    await waitUntil('the 25 claims in staging', async () => (await c.count('staging')) === 25, 60_000);
    expect(await c.count('raw')).toBe(25);
    // Merged by the running consumer, not by the final merge of a consumer that stopped.
    expect(c.state.ended).toBe(false);
  } finally {
    await c.stop();
  }
}, 120_000);

/**
 * The adaptive merge cadence: with `mergeEveryMs` at 60 s, a consumer whose merges take milliseconds
 * merges each burst into staging within seconds of writing it, the first one and the ones after a merge,
 * instead of once a minute.
 */
it('merges each micro-batch into staging soon after it is written while merges are cheap, well within mergeEveryMs', async () => {
  const c = await liveConsumer('it-stream-adaptive', { mergeEveryMs: 60_000, activitySeconds: 180 });
  try {
    await c.send(claimMessages(10, '2026-12-01T10:00:00Z'));
    // Each wait stays well below mergeEveryMs, with room for the consumer's group join on a loaded machine.
    await waitUntil('the first 10 claims in staging', async () => (await c.count('staging')) === 10, 45_000);
    // Keys C1…C25: 15 new claims and 10 updates of merged ones.
    await c.send(claimMessages(25, '2026-12-01T10:05:00Z'));
    const second = `event_time = TIMESTAMPTZ '2026-12-01T10:05:00Z'`;
    await waitUntil(
      'the 25 claims at their second event time',
      async () => (await c.count('staging', second)) === 25,
      30_000,
    );
    expect(await c.count('raw')).toBe(35);
    expect(await c.count('staging')).toBe(25);
    expect(c.state.ended).toBe(false);
  } finally {
    await c.stop();
  }
}, 120_000);
