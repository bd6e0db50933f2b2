import {
  createStreamIngestActivities,
  createStreamMonitorActivities,
  type StreamDeps,
} from '../../activities/streaming';
import { produceEvents } from '../../cli/stream-producer';
import { openFakesnow } from '../helpers/fakesnow';
import { consumeUntil, testKafka, testStreaming, testTopics } from '../helpers/streams';

/**
 * Kafka → Snowflake: the streaming ingest and monitor activities with a real Kafka broker and the
 * local Snowflake-protocol server as the warehouse (raw + offsets in one transaction, merge into
 * staging, lag and latency figures).
 */
describe('streaming ingest into Snowflake (real Kafka broker, local Snowflake server)', () => {
  it('writes every event exactly once, merges the latest per key, and measures lag and latency', async () => {
    const topics = testTopics('it-sf-stream');
    const kafka = testKafka();
    const produced = await produceEvents({ kafka, topics, rate: 1000, durationSeconds: 1, dirt: 0.02, keys: 100 });
    const w = await openFakesnow(`edp_stream_${process.pid}`);
    const deps: StreamDeps = {
      warehouse: w,
      kafka,
      streaming: testStreaming(topics),
    };
    const acts = createStreamIngestActivities(deps);
    try {
      for (const t of topics) {
        const written = await consumeUntil(
          () => acts.consumeStream({ topic: t.topic, runSeconds: 4 }),
          produced.perTopic[t.topic],
        );
        expect(written).toBe(produced.perTopic[t.topic]);
        const again = await acts.consumeStream({ topic: t.topic, runSeconds: 2 });
        expect(again.rowsInserted + again.deadLetters).toBe(0);
        const [raw] = await w.query<{ n: number; offsets: number }>(
          `SELECT COUNT(*) AS n, COUNT(DISTINCT kafka_partition * 1000000000 + kafka_offset) AS offsets FROM raw.${t.table}`,
        );
        const [dead] = await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM raw.${t.table}__dead_letters`);
        expect(raw.n + dead.n).toBe(produced.perTopic[t.topic]);
        expect(raw.offsets).toBe(raw.n);
        const [staging] = await w.query<{ n: number; keys: number }>(
          `SELECT COUNT(*) AS n, COUNT(DISTINCT ${t.key[0]}) AS keys FROM staging.${t.table}`,
        );
        expect(staging.n).toBe(staging.keys);
        expect(staging.n).toBeGreaterThan(0);
      }
      const monitor = createStreamMonitorActivities({ ...deps, webhooks: [] });
      const check = await monitor.measureStreams();
      for (const m of check.topics) {
        expect(m.totalLag).toBe(0);
        expect(m.rawLatencyMs.p50).not.toBeNull();
        expect(m.stagingLatencyMs.p99).not.toBeNull();
      }
      expect(await w.query('SELECT COUNT(*) AS n FROM audit.stream_metrics')).toEqual([{ n: topics.length }]);
    } finally {
      await w.close();
    }
  });
});
