import type { ColumnType, StreamTopicConfig } from '../../../lib/config/schema';
import { decodeValue, EncodingError, sourceKind, type ConnectSchema, type SourceKind } from './debezium-values';
import { ExactNumber } from '../lossless-json';

/**
 * What a Debezium message is for the stream: a row change (values decoded to plain JSON), a message to
 * skip (a tombstone, transaction metadata), one to dead-letter, or a source schema change that stops the table.
 */
export type DebeziumChange =
  | { kind: 'row'; op: 'c' | 'u' | 'd' | 'r'; row: unknown; side: 'after' | 'before' | 'row'; eventTimeMs?: number }
  | { kind: 'skip' | 'dead' | 'stop'; reason: string };

/** Source kinds a declared column type takes without a change of meaning. */
const FITS: Readonly<Record<ColumnType, readonly SourceKind[]>> = {
  string: ['string', 'integer', 'decimal', 'boolean', 'date', 'timestamp', 'time', 'other'],
  integer: ['integer'],
  // decimal.handling.mode=string sends decimals as plain strings, with no logical name to tell them apart.
  decimal: ['integer', 'decimal', 'string'],
  boolean: ['boolean'],
  date: ['date'],
  timestamp: ['timestamp', 'date'],
};

const OPS = new Set(['c', 'u', 'd', 'r']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const tsOf = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);

/** The message's schema and payload: the JSON converter's `{schema, payload}`, a bare `{payload}`, or the payload itself. */
function split(doc: unknown): { schema?: ConnectSchema; payload: unknown } {
  if (isObject(doc) && 'payload' in doc) {
    const schema = isObject(doc.schema) ? (doc.schema as unknown as ConnectSchema) : undefined;
    return { schema, payload: doc.payload };
  }
  return { payload: doc };
}

/** Decodes a row's fields by its struct schema; a value that is not what its logical type says is a reason. */
function decodeRow(
  row: Record<string, unknown>,
  schema: ConnectSchema | undefined,
): { row: Record<string, unknown> } | { reason: string } {
  const fields = new Map((schema?.fields ?? []).map((f) => [f.field, f]));
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    try {
      out[name] = decodeValue(value, fields.get(name));
    } catch (err) {
      if (err instanceof EncodingError) return { reason: `field "${name}": ${err.message}` };
      throw err;
    }
  }
  return { row: out };
}

/**
 * Compares the source's column types (from the message schema) with the declared ones: a declared column
 * whose source type changed meaning stops the table. Columns the source added are kept in the raw row.
 */
function typeChange(topic: StreamTopicConfig, schema: ConnectSchema | undefined, table: string): string | undefined {
  const fields = new Map((schema?.fields ?? []).map((f) => [f.field, f]));
  for (const [column, declared] of Object.entries(topic.columns)) {
    const f = fields.get(column);
    if (!f) continue;
    const kind = sourceKind(f);
    if (!FITS[declared].includes(kind))
      return (
        `source column ${table}.${column} is now ${kind} (${f.name ?? f.type}) but streaming.topics ` +
        `(table ${topic.table}).columns.${column} is ${declared}: the stream of ${topic.table} stops here, ` +
        'unmerged. Declare the new type (a change evolveTable can make) or revert the source column, then restart the stream'
      );
  }
  return undefined;
}

/** Without a schema a number in a date or timestamp column has no unit Debezium names (days, ms, µs): refused, not guessed. */
function schemalessTimeProblem(topic: StreamTopicConfig, row: Record<string, unknown>): string | undefined {
  for (const [column, declared] of Object.entries(topic.columns)) {
    const value = row[column];
    const numeric = typeof value === 'number' || typeof value === 'bigint' || value instanceof ExactNumber;
    if ((declared === 'date' || declared === 'timestamp') && numeric)
      return (
        `field "${column}": a number for a ${declared} without the message schema (its unit, days, ms or µs, ` +
        'is unknown); register the connector with value.converter.schemas.enable=true'
      );
  }
  return undefined;
}

function envelopeTable(payload: Record<string, unknown>): string | undefined {
  const source = payload.source;
  if (!isObject(source) || typeof source.table !== 'string') return undefined;
  return typeof source.schema === 'string' ? `${source.schema}.${source.table}` : source.table;
}

/** A change for a table this topic does not stream (its `source.table` is neither the topic's table nor its topic's last part). */
function unknownTable(topic: StreamTopicConfig, qualified: string | undefined): string | undefined {
  if (qualified === undefined) return undefined;
  const table = qualified.slice(qualified.lastIndexOf('.') + 1);
  const expected = [topic.table, topic.topic.slice(topic.topic.lastIndexOf('.') + 1)];
  return expected.includes(table)
    ? undefined
    : `a change for table ${qualified}, which topic ${topic.topic} does not stream (it streams ${topic.table})`;
}

/** The flattened form of `ExtractNewRecordState`: the row with `__op`, `__deleted`, `__source_ts_ms`, … beside it. */
function flattened(topic: StreamTopicConfig, payload: Record<string, unknown>, schema?: ConnectSchema): DebeziumChange {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) if (!k.startsWith('__')) row[k] = v;
  const deleted = payload.__deleted === true || payload.__deleted === 'true';
  const op = deleted ? 'd' : (payload.__op ?? 'u');
  if (typeof op !== 'string' || !OPS.has(op))
    return { kind: 'dead', reason: `Debezium __op must be c, u, d or r, got ${JSON.stringify(op)}` };
  const table = typeof payload.__table === 'string' ? payload.__table : undefined;
  const unknown = unknownTable(topic, table);
  if (unknown) return { kind: 'dead', reason: unknown };
  return finish(topic, op as 'c' | 'u' | 'd' | 'r', row, 'row', schema, table ?? topic.table, {
    eventTimeMs: tsOf(payload.__source_ts_ms) ?? tsOf(payload.__ts_ms),
  });
}

function finish(
  topic: StreamTopicConfig,
  op: 'c' | 'u' | 'd' | 'r',
  row: Record<string, unknown>,
  side: 'after' | 'before' | 'row',
  schema: ConnectSchema | undefined,
  table: string,
  extra: { eventTimeMs?: number },
): DebeziumChange {
  if (schema) {
    const stop = typeChange(topic, schema, table);
    if (stop) return { kind: 'stop', reason: stop };
  } else {
    const problem = schemalessTimeProblem(topic, row);
    if (problem) return { kind: 'dead', reason: `Debezium ${side}: ${problem}` };
  }
  const decoded = decodeRow(row, schema);
  if ('reason' in decoded) return { kind: 'dead', reason: `Debezium ${side}: ${decoded.reason}` };
  return { kind: 'row', op, row: decoded.row, side, ...extra };
}

/**
 * Decodes a parsed Debezium message for a topic: the change envelope (`before`, `after`, `op`, `source`)
 * or its flattened form, with or without the JSON converter's schema. With a schema every value decodes
 * by its logical type; without one values stay as sent. Tombstones and transaction metadata are skipped.
 */
export function decodeDebezium(topic: StreamTopicConfig, doc: unknown): DebeziumChange {
  const { schema, payload } = split(doc);
  if (payload === null) return { kind: 'skip', reason: 'tombstone (null payload)' };
  if (!isObject(payload)) return { kind: 'dead', reason: 'not a Debezium envelope (no object)' };
  if (!('op' in payload) && (payload.status === 'BEGIN' || payload.status === 'END') && 'id' in payload)
    return { kind: 'skip', reason: `transaction metadata (${payload.status})` };
  if (!('op' in payload) && ('__op' in payload || '__deleted' in payload)) return flattened(topic, payload, schema);
  const op = payload.op;
  if (typeof op !== 'string' || !OPS.has(op))
    return { kind: 'dead', reason: `Debezium op must be c, u, d or r, got ${JSON.stringify(op)}` };
  const side = op === 'd' ? 'before' : 'after';
  const table = envelopeTable(payload);
  const unknown = unknownTable(topic, table);
  if (unknown) return { kind: 'dead', reason: unknown };
  const row = payload[side];
  if (!isObject(row)) return { kind: 'row', op: op as 'c', row, side };
  const rowSchema = schema?.fields?.find((f) => f.field === side);
  const source = isObject(payload.source) ? payload.source : {};
  return finish(topic, op as 'c' | 'u' | 'd' | 'r', row, side, rowSchema, table ?? topic.table, {
    eventTimeMs: tsOf(Number(source.ts_ms)),
  });
}
