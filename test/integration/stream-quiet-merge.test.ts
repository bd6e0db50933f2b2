import { MockActivityEnvironment } from '@temporalio/testing';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { createStreamIngestActivities } from '../../activities/streaming';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { claimMessages, createTopic, testKafka, testStreaming, testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

/**
 * A source that goes quiet right after a burst (real Kafka broker, DuckDB): the burst arrives within
 * `mergeEveryMs` of the consumer's start (as a last micro-batch within that time of the previous merge
 * would), and no message follows. Its rows must still reach staging while the consumer keeps running
 * (bench/cdc.ts once waited 300 s on 174 such rows).
 */
it('merges the last micro-batch into staging when the topic goes quiet, while the consumer keeps running', async () => {
  const [t] = testTopics('it-stream-quiet');
  const kafka = testKafka();
  await createTopic(kafka.brokers, t.topic);
  const producer = new Kafka({
    clientId: 'edp-test-quiet',
    brokers: [...kafka.brokers],
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  await producer.send({ topic: t.topic, messages: claimMessages(25, '2026-12-01T10:00:00Z') });
  await producer.disconnect();
  const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'quiet.duckdb') });
  const acts = createStreamIngestActivities({
    warehouse: w,
    kafka,
    // At most one merge per 20 s: the burst, already in the topic, reaches the consumer well within that.
    streaming: { ...testStreaming([t]), mergeEveryMs: 20_000, activitySeconds: 180 },
  });
  const env = new MockActivityEnvironment();
  let ended = false;
  const run = env.run(() => acts.consumeStream({ topic: t.topic })).finally(() => (ended = true));
  const count = async (table: string): Promise<number> =>
    Number(
      (await w.query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM ${table}`).catch(() => [{ n: 0 }]))[0]
        .n,
    );
  try {
    await waitUntil('the 25 claims in staging', async () => (await count(`staging.${t.table}`)) === 25, 60_000);
    expect(await count(`raw.${t.table}`)).toBe(25);
    // Merged by the running consumer, not by the final merge of a consumer that stopped.
    expect(ended).toBe(false);
  } finally {
    env.cancel();
    await run.catch(() => undefined);
    await w.close();
  }
}, 120_000);
