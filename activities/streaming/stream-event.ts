import type { ColumnType, StreamTopicConfig } from '../../lib/config/schema';
import { decodeDebezium } from './debezium';
import { ExactNumber, parseJsonLossless, stringifyLossless } from './lossless-json';

/** A Kafka message as the decoder needs it. */
export interface RawMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka timestamp, ms since epoch (as kafkajs gives it: a string). */
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** A message decoded into a row for `raw.<table>`, or the reason it goes to the dead-letter table. */
export type DecodedEvent =
  | {
      ok: true;
      /** `c`, `u`, `r` (upserts) or `d` (delete); plain JSON events are `u`. */
      op: 'c' | 'u' | 'd' | 'r';
      /** The row (Debezium: `after`, or `before` for a delete), as JSON text. */
      row: string;
      eventTimeMs: number;
    }
  | {
      ok: false;
      reason: string;
      /**
       * Absent: a poison message for the dead-letter table. `skip`: nothing to store (a Debezium tombstone,
       * transaction metadata), counted only. `stop`: the source's schema changed in a way the declared
       * columns cannot take; the table's stream stops before this message.
       */
      action?: 'skip' | 'stop';
    };

const fail = (reason: string): DecodedEvent => ({ ok: false, reason });

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
/** An integer's text within a 64-bit column's range (a PostgreSQL `bigint`), which staging's integer column holds exactly. */
const isInt64 = (text: string): boolean =>
  /^-?\d+$/.test(text) && BigInt(text) >= INT64.min && BigInt(text) <= INT64.max;

/** Why a value does not fit its column type, or undefined when it does (null fits anything). */
export function typeProblem(value: unknown, type: ColumnType): string | undefined {
  if (value === null || value === undefined) return undefined;
  // The common fitting values first, without writing the value as text (only a refusal quotes it).
  if (typeof value === 'string') {
    if (type === 'string') return undefined;
  } else if (typeof value === 'number') {
    if (type === 'decimal' && Number.isFinite(value)) return undefined;
    if (type === 'integer' && Number.isSafeInteger(value)) return undefined;
  }
  const text = typeof value === 'string' ? value : stringifyLossless(value);
  // A number written with more digits than a double keeps: its text is what row_json holds.
  const exact = value instanceof ExactNumber;
  switch (type) {
    case 'string':
      return typeof value === 'object' && !exact ? `expected text, got ${text.slice(0, 40)}` : undefined;
    case 'integer':
      return (Number.isSafeInteger(Number(value)) && text.trim() !== '' && !exact) || isInt64(text)
        ? undefined
        : `expected an integer, got ${text.slice(0, 40)}`;
    case 'decimal':
      return Number.isFinite(Number(value)) && text.trim() !== '' && typeof value !== 'boolean'
        ? undefined
        : `expected a decimal, got ${text.slice(0, 40)}`;
    case 'boolean':
      return typeof value === 'boolean' || /^(true|false)$/i.test(text)
        ? undefined
        : `expected true/false, got ${text.slice(0, 40)}`;
    case 'date':
    case 'timestamp':
      // Not an ExactNumber: its fraction or exponent is no epoch milliseconds staging reads.
      return (typeof value === 'string' || typeof value === 'number') && !Number.isNaN(new Date(value).getTime())
        ? undefined
        : `expected a ${type}, got ${text.slice(0, 40)}`;
  }
}

/** A topic's declared columns as pairs, listed once per topic config instead of once per message. */
const columnLists = new WeakMap<StreamTopicConfig['columns'], Array<[string, ColumnType]>>();
function columnList(topic: StreamTopicConfig): Array<[string, ColumnType]> {
  let list = columnLists.get(topic.columns);
  if (!list) columnLists.set(topic.columns, (list = Object.entries(topic.columns)));
  return list;
}

function checkRow(row: unknown, topic: StreamTopicConfig): string | undefined {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return 'the row is not a JSON object';
  const r = row as Record<string, unknown>;
  for (const k of topic.key) {
    if (r[k] === null || r[k] === undefined || r[k] === '') return `missing key field "${k}"`;
  }
  for (const [name, type] of columnList(topic)) {
    const problem = typeProblem(r[name], type);
    if (problem) return `field "${name}": ${problem}`;
  }
  return undefined;
}

/**
 * Decodes one message: JSON, the row (the message itself, or a Debezium change decoded by its schema,
 * see debezium/), its key fields and column types, and its event time. Anything wrong makes it a poison
 * message with a reason; it is never thrown, so one bad message never blocks its partition. A Debezium
 * tombstone (the null value after a delete) is skipped.
 */
export function decodeEvent(topic: StreamTopicConfig, message: RawMessage): DecodedEvent {
  return decodePayload(topic, message.value ? message.value.toString('utf8') : null, Number(message.timestamp));
}

/** {@link decodeEvent} of a message's value already read as text, with its Kafka timestamp in ms. */
export function decodePayload(topic: StreamTopicConfig, text: string | null, kafkaTime: number): DecodedEvent {
  if (!text)
    return topic.format === 'debezium'
      ? { ok: false, reason: 'tombstone', action: 'skip' }
      : fail('empty message (tombstone)');
  let doc: unknown;
  try {
    // Lossless: a bigint column's value beyond 2^53 must reach row_json digit for digit.
    doc = parseJsonLossless(text);
  } catch (err) {
    return fail(`invalid JSON: ${(err as Error).message}`);
  }
  if (topic.format === 'debezium') {
    const change = decodeDebezium(topic, doc);
    if (change.kind !== 'row')
      return change.kind === 'dead' ? fail(change.reason) : { ok: false, reason: change.reason, action: change.kind };
    const problem = checkRow(change.row, topic);
    if (problem) return fail(`Debezium ${change.side}: ${problem}`);
    return {
      ok: true,
      op: change.op,
      row: stringifyLossless(change.row),
      eventTimeMs: change.eventTimeMs ?? kafkaTime,
    };
  }
  const problem = checkRow(doc, topic);
  if (problem) return fail(problem);
  const r = doc as Record<string, unknown>;
  const declared = topic.eventTime ? new Date(r[topic.eventTime] as string).getTime() : NaN;
  return {
    ok: true,
    op: 'u',
    row: stringifyLossless(r),
    eventTimeMs: Number.isFinite(declared) ? declared : kafkaTime,
  };
}
