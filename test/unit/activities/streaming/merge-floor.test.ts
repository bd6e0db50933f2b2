import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { ensureStreamTables, mergeToStaging, writePartitionBatch } from '../../../../activities/streaming';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { testTopics } from '../../../helpers/streams';
import { tmpDir } from '../../../helpers/tmp';

const [topic] = testTopics('xfloor');

/** Messages at offsets `from`…`to - 1`, claim `<prefix><offset>` each. */
const messages = (prefix: string, from: number, to: number): KafkaMessage[] =>
  Array.from({ length: to - from }, (_, i) => from + i).map(
    (o) =>
      ({
        key: null,
        value: Buffer.from(
          JSON.stringify({ claim_id: `${prefix}${o}`, status: 'submitted', event_time: '2026-12-01T10:00:00Z' }),
        ),
        timestamp: '1767323045999',
        offset: String(o),
        headers: {},
        attributes: 0,
        size: 0,
      }) as unknown as KafkaMessage,
  );

/**
 * The merge skips raw below the lowest merged position of the stream's partitions: partitions far apart
 * (one merged to offset 999, one to 4, one written but never merged) still have every new row merged.
 */
it('merges the new rows of every partition, whatever the other partitions have merged', async () => {
  const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'floor.duckdb') });
  try {
    await ensureStreamTables(w, topic);
    await writePartitionBatch(w, topic, 0, messages('A', 0, 1000));
    await writePartitionBatch(w, topic, 1, messages('B', 0, 5));
    expect(await mergeToStaging(w, topic)).toBe(1005);
    // Partition 1 continues below partition 0's position; partition 2 appears, low offsets too.
    await writePartitionBatch(w, topic, 1, messages('B', 5, 10));
    await writePartitionBatch(w, topic, 0, messages('A', 1000, 1002));
    await writePartitionBatch(w, topic, 2, messages('C', 0, 3));
    expect(await mergeToStaging(w, topic)).toBe(10);
    const [{ n }] = await w.query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM staging.${topic.table}`);
    expect(n).toBe(1015);
    const merged = await w.query<{ p: number; o: number }>(
      `SELECT CAST(kafka_partition AS INTEGER) AS p, CAST(merged_offset AS INTEGER) AS o FROM audit.stream_merged
       WHERE topic = ? ORDER BY 1`,
      [topic.topic],
    );
    expect(merged).toEqual([
      { p: 0, o: 1001 },
      { p: 1, o: 9 },
      { p: 2, o: 2 },
    ]);
  } finally {
    await w.close();
  }
});
