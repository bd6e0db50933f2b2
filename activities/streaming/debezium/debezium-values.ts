import { stringifyLossless } from '../lossless-json';

/** A Kafka Connect schema as the JSON converter writes it beside the payload (`schemas.enable=true`). */
export interface ConnectSchema {
  type: string;
  /** The logical (semantic) type, e.g. `io.debezium.time.MicroTimestamp`. */
  name?: string;
  optional?: boolean;
  /** The struct field this schema describes. */
  field?: string;
  fields?: ConnectSchema[];
  parameters?: Record<string, string>;
}

const MS_PER_DAY = 86_400_000;

/** A non-negative remainder, so instants before 1970 split into whole units and a fraction correctly. */
const floorDiv = (a: number, b: number): [number, number] => {
  const q = Math.floor(a / b);
  return [q, a - q * b];
};

/** {@link floorDiv} of an exact integer beyond 2^53 (nanoseconds since 1970), whose quotient and remainder fit a number. */
const floorDivBig = (a: bigint, b: number): [number, number] => {
  const d = BigInt(b);
  const r = ((a % d) + d) % d;
  return [Number((a - r) / d), Number(r)];
};

/** ISO-8601 UTC text of an instant given as whole units since the epoch, keeping every fractional digit of the unit. */
export function epochToIso(value: number | bigint, unitsPerMs: 1 | 1000 | 1_000_000): string {
  const [ms, sub] = typeof value === 'bigint' ? floorDivBig(value, unitsPerMs) : floorDiv(value, unitsPerMs);
  const iso = new Date(ms).toISOString();
  if (unitsPerMs === 1) return iso;
  return `${iso.slice(0, -1)}${String(sub).padStart(String(unitsPerMs).length - 1, '0')}Z`;
}

/** `YYYY-MM-DD` of a day count since 1970-01-01 (negative before it). */
export function daysToDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `HH:MM:SS` with the unit's fractional digits, of a time of day given in units since midnight. */
export function timeOfDay(value: number, unitsPerMs: 1 | 1000 | 1_000_000): string {
  const [ms, sub] = floorDiv(value, unitsPerMs);
  const text = new Date(ms).toISOString().slice(11, 23);
  return unitsPerMs === 1 ? text : `${text}${String(sub).padStart(String(unitsPerMs).length - 1, '0')}`;
}

/** A zoned timestamp (`2026-03-04T05:06:07.654321+02:00`) as UTC, keeping its fractional digits. */
export function zonedToUtc(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(whole)) return undefined;
  return `${new Date(whole).toISOString().slice(0, 19)}${m[2] ?? ''}Z`;
}

/** The exact decimal text of a big-endian two's-complement unscaled integer (base64) with `scale` digits after the point. */
export function decimalFromBytes(base64: string, scale: number): string {
  const bytes = Buffer.from(base64, 'base64');
  let unscaled = bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
  if (bytes.length > 0 && bytes[0] & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** Why a value cannot be decoded as its logical type, thrown inside the decoder and turned into a dead-letter reason. */
export class EncodingError extends Error {
  override name = 'EncodingError';
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A whole count that may exceed 2^53 (the lossless parser gives those as `bigint`). */
const isCount = (v: unknown): v is number | bigint => isNumber(v) || typeof v === 'bigint';

function need<T>(ok: boolean, value: T, what: string, raw: unknown): T {
  if (!ok) throw new EncodingError(`expected ${what}, got ${stringifyLossless(raw).slice(0, 40)}`);
  return value;
}

/** Decoders of Debezium's and Kafka Connect's logical types, by schema name. */
const LOGICAL: Readonly<Record<string, (v: unknown, s: ConnectSchema) => unknown>> = {
  'io.debezium.time.Date': (v) => need(isNumber(v), daysToDate(v as number), 'days since 1970', v),
  'org.apache.kafka.connect.data.Date': (v) => need(isNumber(v), daysToDate(v as number), 'days since 1970', v),
  'io.debezium.time.Timestamp': (v) => need(isNumber(v), epochToIso(v as number, 1), 'epoch milliseconds', v),
  'org.apache.kafka.connect.data.Timestamp': (v) => need(isNumber(v), epochToIso(v as number, 1), 'epoch ms', v),
  'io.debezium.time.MicroTimestamp': (v) => need(isNumber(v), epochToIso(v as number, 1000), 'epoch microseconds', v),
  'io.debezium.time.NanoTimestamp': (v) =>
    need(isCount(v), isCount(v) ? epochToIso(v, 1_000_000) : '', 'epoch nanoseconds', v),
  'io.debezium.time.ZonedTimestamp': (v) => {
    const utc = typeof v === 'string' ? zonedToUtc(v) : undefined;
    return need(utc !== undefined, utc, 'an ISO-8601 timestamp with offset', v);
  },
  'io.debezium.time.Time': (v) => need(isNumber(v), timeOfDay(v as number, 1), 'ms since midnight', v),
  'org.apache.kafka.connect.data.Time': (v) => need(isNumber(v), timeOfDay(v as number, 1), 'ms since midnight', v),
  'io.debezium.time.MicroTime': (v) => need(isNumber(v), timeOfDay(v as number, 1000), 'µs since midnight', v),
  'io.debezium.time.NanoTime': (v) => need(isNumber(v), timeOfDay(v as number, 1_000_000), 'ns since midnight', v),
  'org.apache.kafka.connect.data.Decimal': (v, s) => {
    const scale = Number(s.parameters?.scale ?? 0);
    return need(typeof v === 'string', decimalFromBytes(String(v), scale), 'base64 decimal bytes', v);
  },
  'io.debezium.data.VariableScaleDecimal': (v) => {
    const d = v as { scale?: unknown; value?: unknown } | null;
    const ok = typeof d === 'object' && d !== null && isNumber(d.scale) && typeof d.value === 'string';
    return need(ok, ok ? decimalFromBytes(d.value as string, d.scale as number) : '', '{scale, value}', v);
  },
};

/**
 * A value as plain JSON by its Connect schema: instants as ISO-8601 UTC, dates as `YYYY-MM-DD`, times
 * of day as `HH:MM:SS.ffffff`, decimals as exact decimal text; other values unchanged. Throws
 * {@link EncodingError} when the value does not have its logical type's shape.
 */
export function decodeValue(value: unknown, schema: ConnectSchema | undefined): unknown {
  if (value === null || value === undefined || !schema?.name) return value;
  const decode = LOGICAL[schema.name];
  return decode ? decode(value, schema) : value;
}

/** What a column holds, as the platform's column types see it. */
export type SourceKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'timestamp' | 'time' | 'other';

const KIND_BY_NAME: Readonly<Record<string, SourceKind>> = {
  'io.debezium.time.Date': 'date',
  'org.apache.kafka.connect.data.Date': 'date',
  'io.debezium.time.Timestamp': 'timestamp',
  'org.apache.kafka.connect.data.Timestamp': 'timestamp',
  'io.debezium.time.MicroTimestamp': 'timestamp',
  'io.debezium.time.NanoTimestamp': 'timestamp',
  'io.debezium.time.ZonedTimestamp': 'timestamp',
  'io.debezium.time.Time': 'time',
  'org.apache.kafka.connect.data.Time': 'time',
  'io.debezium.time.MicroTime': 'time',
  'io.debezium.time.NanoTime': 'time',
  'io.debezium.time.ZonedTime': 'time',
  'org.apache.kafka.connect.data.Decimal': 'decimal',
  'io.debezium.data.VariableScaleDecimal': 'decimal',
};

const KIND_BY_TYPE: Readonly<Record<string, SourceKind>> = {
  string: 'string',
  int8: 'integer',
  int16: 'integer',
  int32: 'integer',
  int64: 'integer',
  float: 'decimal',
  float32: 'decimal',
  double: 'decimal',
  float64: 'decimal',
  boolean: 'boolean',
};

/** The kind of value a field's schema carries (logical name first, then the Connect type). */
export function sourceKind(schema: ConnectSchema): SourceKind {
  return (schema.name && KIND_BY_NAME[schema.name]) || KIND_BY_TYPE[schema.type] || 'other';
}
