import type { KafkaMessage } from 'kafkajs';
import type { StreamTopicConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/errors';
import { decodePayload } from './stream-event';
import { ensureAudit, STREAM_MERGED as MERGED_TABLE, STREAM_OFFSETS as OFFSETS_TABLE } from '../audit';
import {
  APPEND_SQL_TYPE,
  ensureOnce,
  ensureSchema,
  evolveTable,
  type AppendColumnType,
  type TableRef,
  type Warehouse,
  type WarehouseSession,
} from '../warehouse';

/** Per topic partition: the next offset the warehouse expects (committed with the rows). */
export const STREAM_OFFSETS = OFFSETS_TABLE.name;
/** Per topic partition: the highest raw offset merged into staging. */
export const STREAM_MERGED = MERGED_TABLE.name;

/** `raw.<table>`: one row per accepted message, unique by (partition, offset). */
export const rawTable = (t: StreamTopicConfig): TableRef => ({ schema: 'raw', table: t.table });
/** `raw.<table>__dead_letters`: poison messages with their reason. */
export const deadLetterTable = (t: StreamTopicConfig): TableRef => ({
  schema: 'raw',
  table: `${t.table}__dead_letters`,
});
/** `staging.<table>`: the latest row per key. */
export const stagingTable = (t: StreamTopicConfig): TableRef => ({ schema: 'staging', table: t.table });

/** Columns of `raw.<table>` in order, as the appender writes them. */
export const RAW_COLUMNS: ReadonlyArray<[string, AppendColumnType]> = [
  ['kafka_topic', 'varchar'],
  ['kafka_partition', 'bigint'],
  ['kafka_offset', 'bigint'],
  ['kafka_key', 'varchar'],
  ['kafka_timestamp', 'timestamptz'],
  ['kafka_headers', 'varchar'],
  ['_edp_op', 'varchar'],
  ['payload', 'varchar'],
  ['row_json', 'varchar'],
  ['_edp_event_time', 'timestamptz'],
  ['_edp_ingested_at', 'timestamptz'],
];

/** Columns of `raw.<table>__dead_letters` in order. */
export const DEAD_LETTER_COLUMNS: ReadonlyArray<[string, AppendColumnType]> = [
  ['kafka_topic', 'varchar'],
  ['kafka_partition', 'bigint'],
  ['kafka_offset', 'bigint'],
  ['kafka_key', 'varchar'],
  ['kafka_timestamp', 'timestamptz'],
  ['payload', 'varchar'],
  ['reason', 'varchar'],
  ['_edp_ingested_at', 'timestamptz'],
];

/** Creates the topic's raw, dead-letter and staging tables (and the audit tables), once per warehouse handle. */
export async function ensureStreamTables(w: Warehouse, t: StreamTopicConfig): Promise<void> {
  const d = w.dialect;
  await ensureAudit(w);
  await ensureSchema(w, 'raw');
  await ensureSchema(w, 'staging');
  const ddl = (cols: ReadonlyArray<[string, AppendColumnType]>) =>
    cols.map(([n, ty]) => `${d.quoteIdent(n)} ${APPEND_SQL_TYPE[ty]}`).join(', ');
  await ensureOnce(w, `stream:${t.table}:${JSON.stringify(t.columns)}`, async () => {
    // The key makes a second write of an offset (a redelivery, a backfill over ingested offsets) a no-op.
    await w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(rawTable(t))} (${ddl(RAW_COLUMNS)}, PRIMARY KEY (kafka_partition, kafka_offset))`,
    );
    await w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(deadLetterTable(t))} (${ddl(DEAD_LETTER_COLUMNS)}, PRIMARY KEY (kafka_partition, kafka_offset))`,
    );
    await w.execute(
      `CREATE TABLE IF NOT EXISTS ${d.table(stagingTable(t))} (
         ${Object.entries(t.columns)
           .map(([n, ty]) => `${d.quoteIdent(n)} ${d.columnType(ty)}`)
           .join(', ')},
         _edp_event_time TIMESTAMPTZ, _edp_kafka_partition BIGINT, _edp_kafka_offset BIGINT, _edp_merged_at TIMESTAMPTZ)`,
    );
    // Raw rows keep the whole event as JSON, so only staging's typed columns follow the config.
    await evolveTable(w, {
      ref: stagingTable(t),
      columns: t.columns,
      declaredAt: `streaming.topics.${t.table}.columns`,
    });
  });
}

/** The warehouse's next offset per partition for a topic (absent: nothing ingested yet). */
export async function warehouseOffsets(s: WarehouseSession, topic: string): Promise<Map<number, number>> {
  const rows = await s.query<{ p: string | number; o: string | number }>(
    `SELECT kafka_partition AS p, next_offset AS o FROM ${STREAM_OFFSETS} WHERE topic = ?`,
    [topic],
  );
  return new Map(rows.map((r) => [Number(r.p), Number(r.o)]));
}

const headerText = (h: KafkaMessage['headers']): string | null => {
  if (!h || Object.keys(h).length === 0) return null;
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v === undefined ? null : String(v)]),
    ),
  );
};

/** A row of {@link messageRows}: the table's columns after `kafka_topic`, in order (`row_json` null when it is the payload). */
export type MessageRow = Array<string | number | null>;

/**
 * Decodes messages of one partition into raw rows and dead-letter rows (columns as RAW_COLUMNS /
 * DEAD_LETTER_COLUMNS without the topic, which {@link writeMessageRows} adds), counting the ones to skip
 * (Debezium tombstones, transaction metadata). A source schema change the declared columns cannot take
 * throws {@link BadInputError}: the batch is not written.
 */
export function messageRows(
  t: StreamTopicConfig,
  partition: number,
  messages: readonly KafkaMessage[],
  now: number,
): { rows: MessageRow[]; dead: MessageRow[]; ignored: number } {
  const rows: MessageRow[] = [];
  const dead: MessageRow[] = [];
  let ignored = 0;
  for (const m of messages) {
    const key = m.key ? m.key.toString('utf8') : null;
    const payload = m.value ? m.value.toString('utf8') : null;
    const at = Number(m.timestamp);
    const e = decodePayload(t, payload, at);
    const offset = Number(m.offset);
    // Most rows are their payload already: the text then crosses to the warehouse once.
    if (e.ok)
      rows.push([
        partition,
        offset,
        key,
        at,
        headerText(m.headers),
        e.op,
        payload,
        e.row === payload ? null : e.row,
        e.eventTimeMs,
        now,
      ]);
    else if (e.action === 'skip') ignored++;
    else if (e.action === 'stop')
      throw new BadInputError(`${t.topic} partition ${partition} offset ${m.offset}: ${e.reason}`, {
        fix: `streaming.topics (${t.table}).columns`,
      });
    else dead.push([partition, offset, key, at, payload, e.reason, now]);
  }
  return { rows, dead, ignored };
}

/** Writes decoded rows to raw and the dead-letter table, skipping offsets already there (exactly once). */
export async function writeMessageRows(
  tx: WarehouseSession,
  t: StreamTopicConfig,
  rows: readonly MessageRow[],
  dead: readonly MessageRow[],
): Promise<{ inserted: number; deadLetters: number }> {
  return {
    inserted: await insertMessageRows(tx, t, rawTable(t), RAW_COLUMNS, rows),
    deadLetters: await insertMessageRows(tx, t, deadLetterTable(t), DEAD_LETTER_COLUMNS, dead),
  };
}

/**
 * Inserts rows of {@link messageRows} whose key is new: where the engine derives rows from fewer values
 * the topic and a `row_json` equal to the payload are filled in by SQL, else each row is completed here.
 */
function insertMessageRows(
  tx: WarehouseSession,
  t: StreamTopicConfig,
  table: TableRef,
  columns: ReadonlyArray<[string, AppendColumnType]>,
  rows: readonly MessageRow[],
): Promise<number> {
  const [topicColumn, ...given] = columns;
  const payloadAt = given.findIndex(([name]) => name === 'payload');
  const rowJsonAt = given.findIndex(([name]) => name === 'row_json');
  if (!tx.insertNewDerived) {
    const whole = rows.map((r) => {
      const row = [t.topic, ...r];
      if (rowJsonAt >= 0) row[rowJsonAt + 1] ??= r[payloadAt];
      return row;
    });
    return tx.insertNew(table, MESSAGE_KEY, columns, whole);
  }
  return tx.insertNewDerived(table, given, rows, (scratch, d) => {
    const q = (name: string) => d.quoteIdent(name);
    const values = given.map(([name]) => (name === 'row_json' ? `COALESCE(${q(name)}, ${q('payload')})` : q(name)));
    return `SELECT ${d.literal(t.topic)} AS ${q(topicColumn[0])}, ${values.join(', ')} FROM ${scratch}`;
  });
}

/** What identifies a message's row in raw and dead-letter tables (their primary key). */
const MESSAGE_KEY = ['kafka_partition', 'kafka_offset'] as const;

/** Records a topic partition's position (`audit.stream_offsets` or `audit.stream_merged`), replacing the previous one. */
export function recordPosition(
  tx: WarehouseSession,
  table: typeof STREAM_OFFSETS | typeof STREAM_MERGED,
  topic: string,
  partition: number,
  offset: number,
): Promise<void> {
  const [offsetColumn, timeColumn] =
    table === STREAM_OFFSETS ? ['next_offset', 'updated_at'] : ['merged_offset', 'merged_at'];
  return tx.upsertRow((table === STREAM_OFFSETS ? OFFSETS_TABLE : MERGED_TABLE).ref, ['topic', 'kafka_partition'], {
    topic: { value: topic, type: 'string' },
    kafka_partition: { value: partition, type: 'integer' },
    [offsetColumn]: { value: offset, type: 'integer' },
    [timeColumn]: { value: new Date().toISOString(), type: 'timestamp' },
  });
}
