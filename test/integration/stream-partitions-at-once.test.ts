import { MockActivityEnvironment } from '@temporalio/testing';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { createStreamIngestActivities } from '../../activities/streaming';
import * as writes from '../../activities/streaming/write-partition-batch';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { createTopicsWithLeaders } from '../../cli/kafka-topics';
import { claimMessages, testKafka, testStreaming, testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

afterEach(() => jest.restoreAllMocks());

/**
 * A backlog on three partitions (real Kafka broker, DuckDB): the consumer writes the partitions'
 * micro-batches side by side (one partition's transaction runs while the next partition's messages are
 * decoded), still each message exactly once with each partition's offset committed with its rows.
 * Each write is slowed down so that writes taking turns could not overlap by chance.
 */
it('writes the micro-batches of different partitions at the same time, each message exactly once', async () => {
  const [t] = testTopics('it-stream-partitions-at-once');
  const kafka = testKafka();
  const client = new Kafka({ clientId: 'edp-test-at-once', brokers: [...kafka.brokers], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [t.topic], 3).finally(() => admin.disconnect());
  const producer = client.producer();
  await producer.connect();
  // 600 claims keyed C1…C600: the default partitioner spreads them over the three partitions.
  await producer.send({ topic: t.topic, messages: claimMessages(600, '2026-12-01T10:00:00Z') });
  await producer.disconnect();

  const real = writes.writePartitionBatch;
  const at = { now: 0, most: 0 };
  const partitionsWritten = new Set<number>();
  jest.spyOn(writes, 'writePartitionBatch').mockImplementation(async (...args) => {
    at.most = Math.max(at.most, ++at.now);
    partitionsWritten.add(args[2]);
    try {
      await new Promise((r) => setTimeout(r, 500));
      return await real(...args);
    } finally {
      at.now--;
    }
  });
  const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'partitions-at-once.duckdb') });
  const acts = createStreamIngestActivities({ warehouse: w, kafka, streaming: testStreaming([t]) });
  const env = new MockActivityEnvironment();
  const run = env.run(() => acts.consumeStream({ topic: t.topic, runSeconds: 120 }));
  const count = async (sql: string): Promise<number> =>
    Number((await w.query<{ n: number }>(sql).catch(() => [{ n: 0 }]))[0].n);
  try {
    await waitUntil(
      'the 600 claims in raw',
      async () => (await count(`SELECT COUNT(*) AS n FROM raw.${t.table}`)) === 600,
    );
    await waitUntil(
      "the partitions' offsets at the rows they hold",
      async () =>
        (await count(
          `SELECT COALESCE(SUM(next_offset), 0) AS n FROM audit.stream_offsets WHERE topic = '${t.topic}'`,
        )) === 600,
    );
    // Merged by the running consumer (partitions ending together start one merge; none is left out),
    // not only by the final merge of a consumer that stopped.
    await waitUntil(
      'the 600 claims in staging',
      async () => (await count(`SELECT COUNT(*) AS n FROM staging.${t.table}`)) === 600,
    );
  } finally {
    env.cancel();
  }
  const result = await run;
  try {
    // Merges of partitions that ended together each count their rows.
    expect(result).toMatchObject({ messages: 600, rowsInserted: 600, merged: 600 });
    expect(partitionsWritten.size).toBe(3);
    expect(at.most).toBeGreaterThanOrEqual(2);
    // Exactly once: 600 distinct positions and claims, and each partition's offset is its row count.
    const [raw] = await w.query<{ n: number; positions: number; claims: number }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS n,
              CAST(COUNT(DISTINCT (kafka_partition, kafka_offset)) AS INTEGER) AS positions,
              CAST(COUNT(DISTINCT json_extract_string(row_json, '$.claim_id')) AS INTEGER) AS claims
       FROM raw.${t.table}`,
    );
    expect(raw).toEqual({ n: 600, positions: 600, claims: 600 });
    const offsets = await w.query<{ p: number; o: number; rows: number }>(
      `SELECT CAST(o.kafka_partition AS INTEGER) AS p, CAST(o.next_offset AS INTEGER) AS o,
              CAST((SELECT COUNT(*) FROM raw.${t.table} r WHERE r.kafka_partition = o.kafka_partition) AS INTEGER) AS rows
       FROM audit.stream_offsets o WHERE o.topic = '${t.topic}' ORDER BY 1`,
    );
    expect(offsets).toHaveLength(3);
    for (const o of offsets) expect(o.o).toBe(o.rows);
    expect(Number((await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM staging.${t.table}`))[0].n)).toBe(600);
  } finally {
    await w.close();
  }
}, 180_000);
