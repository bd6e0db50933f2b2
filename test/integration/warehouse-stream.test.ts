import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStreamIngestActivities,
  createStreamMonitorActivities,
  type StreamDeps,
} from '../../activities/streaming';
import { produceEvents } from '../../cli/stream-producer';
import { describeEngines } from '../helpers/engines';
import { consumeUntil, testKafka, testStreaming, testTopics } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

/**
 * Kafka → warehouse on every engine of the test list (test/helpers/engines.ts): the streaming ingest and
 * monitor activities with a real Kafka broker (raw + offsets in one transaction, merge into staging,
 * quality rules per micro-batch, lag and latency figures). A slow engine gets fewer events.
 */
describeEngines('streaming ingest into %s (real Kafka broker)', (engine) => {
  const volume = engine.expects.slow
    ? { rate: 1000, durationSeconds: 1, keys: 100 }
    : { rate: 2000, durationSeconds: 2, keys: 300 };

  it('writes every event exactly once: rows in raw, poison messages as dead letters, latest per key in staging, lag and latency measured', async () => {
    const topics = testTopics(`it-stream-act-${engine.name}`);
    const kafka = testKafka();
    const produced = await produceEvents({ kafka, topics, ...volume, dirt: 0.02 });
    expect(produced.sent).toBe(volume.rate * volume.durationSeconds);
    const w = await engine.open('stream');
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
        // A second run finds nothing new: the warehouse's offsets say where it stopped.
        const again = await acts.consumeStream({ topic: t.topic, runSeconds: 2 });
        expect(again.rowsInserted + again.deadLetters).toBe(0);
        const [raw] = await w.query<{ n: number; offsets: number }>(
          `SELECT CAST(COUNT(*) AS INTEGER) AS n,
             CAST(COUNT(DISTINCT kafka_partition * 1000000000 + kafka_offset) AS INTEGER) AS offsets FROM raw.${t.table}`,
        );
        const [dead] = await w.query<{ n: number }>(
          `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM raw.${t.table}__dead_letters`,
        );
        expect(raw.n + dead.n).toBe(produced.perTopic[t.topic]);
        expect(raw.offsets).toBe(raw.n);
        const [staging] = await w.query<{ n: number; keys: number }>(
          `SELECT CAST(COUNT(*) AS INTEGER) AS n, CAST(COUNT(DISTINCT ${t.key[0]}) AS INTEGER) AS keys FROM staging.${t.table}`,
        );
        expect(staging.n).toBe(staging.keys); // one row per key
        expect(staging.n).toBeGreaterThan(0);
        expect(staging.n).toBeLessThanOrEqual(volume.keys);
      }
      const reasons = await w.query<{ reason: string }>(
        `SELECT DISTINCT regexp_replace(reason, ':.*', '') AS reason FROM raw.${topics[0].table}__dead_letters ORDER BY 1`,
      );
      expect(reasons.map((r) => r.reason)).toEqual(
        expect.arrayContaining(['invalid JSON', 'missing key field "claim_id"']),
      );
      const monitor = createStreamMonitorActivities({ ...deps, webhooks: [] });
      const check = await monitor.measureStreams();
      for (const m of check.topics) {
        expect(m.totalLag).toBe(0);
        expect(m.rawLatencyMs.p50).not.toBeNull();
        expect(m.stagingLatencyMs.p99).not.toBeNull();
      }
      expect(await w.query('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM audit.stream_metrics')).toEqual([
        { n: topics.length },
      ]);
    } finally {
      await w.close();
    }
  });

  it('checks each micro-batch with the staging table’s rule file: quarantined rows never reach staging', async () => {
    const [topic] = testTopics(`it-stream-rules-${engine.name}`);
    const rulesDir = tmpDir('edp-rules-');
    writeFileSync(
      join(rulesDir, 'claims.yml'),
      [
        `table: staging.${topic.table}`,
        'key: [claim_id]',
        'rules:',
        '  - { name: no_big_claims, type: business, expression: amount < 4000, severity: warn, quarantine: true }',
      ].join('\n'),
    );
    const kafka = testKafka();
    const produced = await produceEvents({
      kafka,
      topics: [topic],
      rate: volume.rate,
      durationSeconds: 1,
      keys: 1000,
    });
    const w = await engine.open('stream_rules');
    const streaming = testStreaming([topic]);
    const count = async (sql: string) =>
      (await w.query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM ${sql}`))[0].n;
    try {
      const acts = createStreamIngestActivities({ warehouse: w, kafka, streaming, rulesDir });
      const written = await consumeUntil(
        () => acts.consumeStream({ topic: topic.topic, runSeconds: 3 }),
        produced.sent,
      );
      expect(written).toBe(produced.sent);
      expect(await count(`raw.${topic.table}__dead_letters`)).toBe(0); // clean events: every one is a raw row
      expect(await count(`staging.${topic.table} WHERE amount >= 4000`)).toBe(0);
      expect(
        await count(`staging.${topic.table}__quality_errors WHERE rule = 'no_big_claims' AND quarantined`),
      ).toBeGreaterThan(0);
      const amount = `CAST(${w.dialect.jsonText('row_json', 'amount')} AS ${w.dialect.columnType('decimal')})`;
      expect(await count(`raw.${topic.table} WHERE ${amount} >= 4000`)).toBeGreaterThan(0); // raw keeps everything
    } finally {
      await w.close();
    }
  });
});
