import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStreamIngestActivities, type StreamDeps } from '../../activities/streaming';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { produceEvents } from '../../cli/stream-producer';
import { consumeUntil, testKafka, testStreaming, testTopics } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

describe('streaming ingest activity (real Kafka broker, DuckDB file)', () => {
  it('writes every event exactly once: rows in raw, poison messages as dead letters, latest per key in staging', async () => {
    const topics = testTopics('it-stream-act');
    const kafka = testKafka();
    const produced = await produceEvents({ kafka, topics, rate: 2000, durationSeconds: 2, dirt: 0.02, keys: 300 });
    expect(produced.sent).toBe(4000);
    const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
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
        const [raw] = await w.query<{ n: string; distinct_offsets: string }>(
          `SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS distinct_offsets FROM raw.${t.table}`,
        );
        const [dead] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${t.table}__dead_letters`);
        expect(Number(raw.n) + Number(dead.n)).toBe(produced.perTopic[t.topic]);
        expect(raw.distinct_offsets).toBe(raw.n);
        const [staging] = await w.query<{ n: string; keys: string }>(
          `SELECT count(*) AS n, count(DISTINCT ${t.key[0]}) AS keys FROM staging.${t.table}`,
        );
        expect(staging.n).toBe(staging.keys); // one row per key
        expect(Number(staging.n)).toBeGreaterThan(0);
        expect(Number(staging.n)).toBeLessThanOrEqual(300);
      }
      const reasons = await w.query<{ reason: string }>(
        `SELECT DISTINCT regexp_replace(reason, ':.*', '') AS reason FROM raw.${topics[0].table}__dead_letters ORDER BY 1`,
      );
      expect(reasons.map((r) => r.reason)).toEqual(
        expect.arrayContaining(['invalid JSON', 'missing key field "claim_id"']),
      );
    } finally {
      await w.close();
    }
  });
});

describe('streaming micro-batches and quality rules (real Kafka broker, DuckDB file)', () => {
  it('checks each micro-batch with the staging table’s rule file: quarantined rows never reach staging', async () => {
    const [topic] = testTopics('it-stream-rules');
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
    const produced = await produceEvents({ kafka, topics: [topic], rate: 2000, durationSeconds: 1, keys: 1000 });
    const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
    const streaming = testStreaming([topic]);
    try {
      const acts = createStreamIngestActivities({ warehouse: w, kafka, streaming, rulesDir });
      const written = await consumeUntil(
        () => acts.consumeStream({ topic: topic.topic, runSeconds: 3 }),
        produced.sent,
      );
      expect(written).toBe(produced.sent);
      const [dead] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${topic.table}__dead_letters`);
      expect(dead.n).toBe('0'); // clean events: every one is a raw row
      const [big] = await w.query<{ n: string }>(
        `SELECT count(*) AS n FROM staging.${topic.table} WHERE amount >= 4000`,
      );
      expect(big.n).toBe('0');
      const [quarantined] = await w.query<{ n: string }>(
        `SELECT count(*) AS n FROM staging.${topic.table}__quality_errors WHERE rule = 'no_big_claims' AND quarantined`,
      );
      expect(Number(quarantined.n)).toBeGreaterThan(0);
      const [raw] = await w.query<{ n: string }>(
        `SELECT count(*) AS n FROM raw.${topic.table} WHERE CAST(json_extract_string(row_json, '$.amount') AS DECIMAL(18,2)) >= 4000`,
      );
      expect(Number(raw.n)).toBeGreaterThan(0); // raw keeps everything
    } finally {
      await w.close();
    }
  });
});
