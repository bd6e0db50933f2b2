import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import {
  deadLetterTable,
  ensureStreamTables,
  messageRows,
  rawTable,
  writeMessageRows,
} from '../../../../activities/streaming';
import { DuckDbWarehouse, type WarehouseSession } from '../../../../activities/warehouse';
import type { StreamTopicConfig } from '../../../../lib/config/schema';
import { tmpDir } from '../../../helpers/tmp';

const topic: StreamTopicConfig = {
  topic: 'xderived.claims',
  table: 'derived_claims',
  format: 'json',
  columns: { claim_id: 'string', amount: 'decimal', big: 'integer', event_time: 'timestamp' },
  key: ['claim_id'],
  eventTime: 'event_time',
};

const message = (offset: number, value: string | null, timestamp: number, headers = {}): KafkaMessage =>
  ({
    key: Buffer.from(`k${offset}`),
    value: value === null ? null : Buffer.from(value),
    timestamp: String(timestamp),
    offset: String(offset),
    headers,
    attributes: 0,
    size: 0,
  }) as unknown as KafkaMessage;

/** Payloads whose row is the payload itself, whose row differs from it (spacing, 2^53 + 1), and poison ones. */
const MESSAGES = [
  message(0, '{"claim_id":"C1","amount":12.5,"big":1,"event_time":"2026-01-02T03:04:05.678Z"}', 1767323045999),
  message(1, '{ "claim_id" : "C2", "amount" : 1.50, "big": 9007199254740993 }', 1767323046001, { trace: 'x' }),
  message(2, '{"claim_id":"C3","event_time":"1969-12-31T23:59:59.999Z"}', -1),
  message(3, '{"claim_id":"C4","amount":"lots"}', 1767323046003),
  message(4, '{"claim_id":', 1767323046004),
  message(5, null, 1767323046005),
];

/** Every raw and dead-letter row, as text, in offset order. */
async function contents(w: DuckDbWarehouse): Promise<unknown[]> {
  const all = async (table: string) =>
    w.query(`SELECT * EXCLUDE (kafka_offset), CAST(kafka_offset AS INTEGER) AS o FROM ${table} ORDER BY o`);
  return [await all(w.dialect.table(rawTable(topic))), await all(w.dialect.table(deadLetterTable(topic)))];
}

/** A session without insertNewDerived: rows go whole through insertNew, as on an engine that lacks it. */
const wholeRows = (tx: WarehouseSession): WarehouseSession =>
  new Proxy(tx, {
    get: (target, name) => {
      if (name === 'insertNewDerived') return undefined;
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

describe('raw rows derived by SQL from fewer values (DuckDB)', () => {
  it('writes exactly the rows whole rows through insertNew write, and a second write of the batch adds nothing', async () => {
    const dir = tmpDir();
    const [derived, whole] = await Promise.all(
      ['derived', 'whole'].map((name) => DuckDbWarehouse.open({ path: join(dir, `${name}.duckdb`) })),
    );
    try {
      const now = 1767323050123;
      const { rows, dead } = messageRows(topic, 2, MESSAGES, now);
      expect([rows.length, dead.length]).toEqual([3, 3]);
      for (const w of [derived, whole]) await ensureStreamTables(w, topic);
      const first = await derived.transaction((tx) => writeMessageRows(tx, topic, rows, dead));
      await whole.transaction((tx) => writeMessageRows(wholeRows(tx), topic, rows, dead));
      expect(first).toEqual({ inserted: 3, deadLetters: 3 });
      expect(await contents(derived)).toEqual(await contents(whole));
      const [r] = await derived.query<Record<string, string>>(
        `SELECT CAST(epoch_ms(kafka_timestamp) AS VARCHAR) AS k, CAST(epoch_ms(_edp_event_time) AS VARCHAR) AS e,
           CAST(epoch_ms(_edp_ingested_at) AS VARCHAR) AS i, kafka_topic AS t, kafka_partition AS p, row_json AS j
         FROM ${derived.dialect.table(rawTable(topic))} WHERE kafka_offset = 1`,
      );
      // The row differs from its payload (spacing, a bigint beyond 2^53): row_json keeps the decoder's text.
      expect(r).toEqual({
        k: '1767323046001',
        e: '1767323046001',
        i: String(now),
        t: topic.topic,
        p: '2',
        j: '{"claim_id":"C2","amount":1.5,"big":9007199254740993}',
      });
      const again = await derived.transaction((tx) => writeMessageRows(tx, topic, rows, dead));
      expect(again).toEqual({ inserted: 0, deadLetters: 0 });
    } finally {
      await Promise.all([derived.close(), whole.close()]);
    }
  });
});
