import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent, type DecodedEvent, type RawMessage } from '../../../../../activities/streaming';
import {
  daysToDate,
  decimalFromBytes,
  epochToIso,
  timeOfDay,
  zonedToUtc,
} from '../../../../../activities/streaming/debezium';
import type { StreamTopicConfig } from '../../../../../lib/config/schema';

/** A message the Debezium 3.6.1 PostgreSQL connector wrote to Kafka (test/fixtures/debezium, captured from the real connector). */
function captured(name: string): RawMessage & { topic: string } {
  const m = JSON.parse(readFileSync(join(__dirname, '../../../../fixtures/debezium', `${name}.json`), 'utf8')) as {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string;
    key: string | null;
    value: string | null;
  };
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: m.key === null ? null : Buffer.from(m.key),
    value: m.value === null ? null : Buffer.from(m.value),
  };
}

/** The source table the fixtures of `edp_types` came from:
 * (2, '2026-03-04 05:06:07.123456', '2026-03-04 05:06:07.123', '2026-03-04T05:06:07.654321+02:00',
 *  '1969-12-31', '23:59:59.999999', 12345.67, '-0.000123456789', -1.05, '{"a":1}', true, 9007199254740993),
 * then n updated to 0.01. */
const types = (topic: string, columns: StreamTopicConfig['columns']): StreamTopicConfig => ({
  topic,
  table: 'edp_types',
  format: 'debezium',
  columns,
  key: ['id'],
});
const TYPE_COLUMNS: StreamTopicConfig['columns'] = {
  id: 'integer',
  ts: 'timestamp',
  ts3: 'timestamp',
  tstz: 'timestamp',
  d: 'date',
  t: 'string',
  n: 'decimal',
  v: 'decimal',
  neg: 'decimal',
  j: 'string',
  b: 'boolean',
};

const row = (e: DecodedEvent): Record<string, unknown> => {
  if (!e.ok) throw new Error(`expected a row, got: ${e.reason}`);
  return JSON.parse(e.row) as Record<string, unknown>;
};

describe('Debezium encodings (messages captured from the real connector)', () => {
  it('decodes every default encoding by the schema: MicroTimestamp, Timestamp, ZonedTimestamp, Date, MicroTime, Decimal, VariableScaleDecimal', () => {
    const m = captured('precise-types-create');
    const e = decodeEvent(types(m.topic, TYPE_COLUMNS), m);
    expect(e).toMatchObject({ ok: true, op: 'c' });
    expect(row(e)).toMatchObject({
      id: 2,
      ts: '2026-03-04T05:06:07.123456Z',
      ts3: '2026-03-04T05:06:07.123Z',
      tstz: '2026-03-04T03:06:07.654321Z',
      d: '1969-12-31',
      t: '23:59:59.999999',
      n: '12345.67',
      v: '-0.000123456789',
      neg: '-1.05',
      j: '{"a": 1}',
      b: true,
    });
    // The event time is the source commit (source.ts_ms), not the Kafka timestamp.
    const env = JSON.parse(m.value!.toString()) as { payload: { source: { ts_ms: number } } };
    expect(e.ok && e.eventTimeMs).toBe(env.payload.source.ts_ms);
  });

  it('an update carries the new row; the REPLICA IDENTITY FULL before image stays in the payload', () => {
    const m = captured('precise-types-update');
    const e = decodeEvent(types(m.topic, TYPE_COLUMNS), m);
    expect(e).toMatchObject({ ok: true, op: 'u' });
    expect(row(e).n).toBe('0.01');
    const before = (JSON.parse(m.value!.toString()) as { payload: { before: { n: string } } }).payload.before;
    expect(decimalFromBytes(before.n, 2)).toBe('12345.67');
  });

  it('decimal.handling.mode string and double arrive as they are', () => {
    const s = captured('string-types-create');
    expect(row(decodeEvent(types(s.topic, TYPE_COLUMNS), s))).toMatchObject({ n: '12345.67', v: '-0.000123456789' });
    const d = captured('double-types-create');
    expect(row(decodeEvent(types(d.topic, TYPE_COLUMNS), d))).toMatchObject({ n: 12345.67, neg: -1.05 });
  });

  it('a delete takes the before image (dates from days, timestamps with offsets to UTC); its tombstone is skipped, not dead-lettered', () => {
    const members: StreamTopicConfig = {
      topic: 'xprecise.public.members',
      table: 'members',
      format: 'debezium',
      columns: {
        member_id: 'string',
        birth_date: 'date',
        coverage_start: 'date',
        plan_id: 'string',
        updated_at: 'timestamp',
      },
      key: ['member_id'],
    };
    const e = decodeEvent(members, captured('precise-members-delete'));
    expect(e).toMatchObject({ ok: true, op: 'd' });
    expect(row(e)).toMatchObject({
      member_id: 'M1',
      birth_date: '1980-02-29',
      coverage_start: '2026-01-01',
      plan_id: 'PLN-SILVER',
      updated_at: '2026-03-04T05:06:07.123456Z',
    });
    expect(decodeEvent(members, captured('precise-members-tombstone'))).toEqual({
      ok: false,
      reason: 'tombstone',
      action: 'skip',
    });
  });

  it('the ExtractNewRecordState flattened form: __op, __deleted, __source_ts_ms', () => {
    const c = captured('flat-types-create');
    const e = decodeEvent(types(c.topic, TYPE_COLUMNS), c);
    expect(e).toMatchObject({ ok: true, op: 'c' });
    expect(row(e)).toEqual(expect.objectContaining({ ts: '2026-03-04T05:06:07.123456Z', n: '12345.67' }));
    expect(Object.keys(row(e)).some((k) => k.startsWith('__'))).toBe(false);
    const d = captured('flat-members-delete');
    const members: StreamTopicConfig = {
      topic: d.topic,
      table: 'members',
      format: 'debezium',
      columns: { member_id: 'string', birth_date: 'date' },
      key: ['member_id'],
    };
    const del = decodeEvent(members, d);
    expect(del).toMatchObject({ ok: true, op: 'd' });
    expect(row(del)).toMatchObject({ member_id: 'M2', birth_date: '1980-02-29' });
    const flat = JSON.parse(d.value!.toString()) as { payload: { __source_ts_ms: number } };
    expect(del.ok && del.eventTimeMs).toBe(flat.payload.__source_ts_ms);
  });

  it('without the schema, values pass as sent, and a number for a timestamp is refused, never guessed', () => {
    const m = captured('noschema-types-create');
    const asText = decodeEvent(types(m.topic, { id: 'integer', tstz: 'timestamp', j: 'string' }), m);
    expect(row(asText)).toMatchObject({ id: 2, tstz: '2026-03-04T03:06:07.654321Z' });
    const e = decodeEvent(types(m.topic, { id: 'integer', ts: 'timestamp' }), m);
    expect(e.ok).toBe(false);
    expect(!e.ok && e.reason).toMatch(/field "ts": a number for a timestamp without the message schema/);
    expect(!e.ok && e.action).toBeUndefined();
    // Also a number written with more digits than a double keeps (staged, it would read as NULL).
    const longer = {
      ...m,
      value: Buffer.from(m.value!.toString().replace(/"ts":(\d+)/, '"ts":$1.123456789012345678')),
    };
    expect(longer.value.toString()).toMatch(/"ts":\d+\.123456789012345678/);
    const f = decodeEvent(types(m.topic, { id: 'integer', ts: 'timestamp' }), longer);
    expect(!f.ok && f.reason).toMatch(/field "ts": a number for a timestamp without the message schema/);
    // A precise Decimal without its schema is base64 text, which no decimal column takes.
    const dec = decodeEvent(types(m.topic, { id: 'integer', n: 'decimal' }), m);
    expect(!dec.ok && dec.reason).toMatch(/field "n": expected a decimal/);
  });

  it('transaction metadata is skipped', () => {
    const m = captured('transaction-end');
    const t: StreamTopicConfig = { ...types(m.topic, { id: 'string' }), table: 'transaction' };
    expect(decodeEvent(t, m)).toMatchObject({ ok: false, action: 'skip', reason: 'transaction metadata (END)' });
  });
});

describe('Debezium bad input', () => {
  it('a change for a table the topic does not stream is a dead letter with the table named', () => {
    const m = captured('precise-claims-create');
    const members: StreamTopicConfig = {
      topic: 'xprecise.public.members',
      table: 'members',
      format: 'debezium',
      columns: { claim_id: 'string' },
      key: ['claim_id'],
    };
    const e = decodeEvent(members, m);
    expect(e).toMatchObject({ ok: false });
    expect(!e.ok && e.action).toBeUndefined();
    expect(!e.ok && e.reason).toMatch(/a change for table public\.claims, which topic xprecise\.public\.members/);
  });

  it('a malformed envelope is a dead letter with a reason', () => {
    const m = captured('precise-claims-create');
    const claims: StreamTopicConfig = {
      topic: m.topic,
      table: 'claims',
      format: 'debezium',
      columns: { claim_id: 'string', billed_amount: 'decimal', service_date: 'date' },
      key: ['claim_id'],
    };
    expect(row(decodeEvent(claims, m))).toMatchObject({
      claim_id: 'C1',
      billed_amount: '100.10',
      paid_amount: '99.99',
      service_date: '2026-02-03',
    });
    const doc = JSON.parse(m.value!.toString()) as { payload: { after: Record<string, unknown> } };
    doc.payload.after.billed_amount = 12; // a number where the schema says base64 decimal bytes
    const bad = decodeEvent(claims, { ...m, value: Buffer.from(JSON.stringify(doc)) });
    expect(!bad.ok && bad.reason).toMatch(/Debezium after: field "billed_amount": expected base64 decimal bytes/);
    expect(!bad.ok && bad.action).toBeUndefined();
    const noOp = decodeEvent(claims, { ...m, value: Buffer.from('{"schema":null,"payload":{"after":{}}}') });
    expect(!noOp.ok && noOp.reason).toMatch(/op must be c, u, d or r/);
  });

  it('a source column whose type changed stops the table (non-retryable), naming column and types', () => {
    const m = captured('precise-types-create');
    // ts is a timestamp in the source; a config declaring it a date meets a changed type.
    const e = decodeEvent(types(m.topic, { id: 'integer', ts: 'date' }), m);
    expect(e).toMatchObject({ ok: false, action: 'stop' });
    expect(!e.ok && e.reason).toMatch(
      /source column public\.edp_types\.ts is now timestamp \(io\.debezium\.time\.MicroTimestamp\) .*columns\.ts is date/,
    );
    // An added source column (j, b, big are not declared) is kept in the raw row, not refused.
    expect(row(decodeEvent(types(m.topic, { id: 'integer' }), m))).toMatchObject({ j: '{"a": 1}', b: true });
  });
});

describe('Debezium value conversions', () => {
  it('are exact at the edges', () => {
    expect(epochToIso(-1, 1000)).toBe('1969-12-31T23:59:59.999999Z');
    expect(epochToIso(0, 1_000_000)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(daysToDate(0)).toBe('1970-01-01');
    expect(daysToDate(-719162)).toBe('0001-01-01');
    expect(timeOfDay(0, 1000)).toBe('00:00:00.000000');
    expect(zonedToUtc('2026-01-01T00:30:00-05:30')).toBe('2026-01-01T06:00:00Z');
    expect(zonedToUtc('not a time')).toBeUndefined();
    expect(decimalFromBytes('', 2)).toBe('0.00');
    expect(decimalFromBytes(Buffer.from([0xff]).toString('base64'), 0)).toBe('-1');
    expect(decimalFromBytes(Buffer.from([0x00, 0x80]).toString('base64'), 3)).toBe('0.128');
    // 2^70 + 1: beyond any double, still exact.
    const big = (1n << 70n) + 1n;
    const hex = big.toString(16).padStart(20, '0');
    expect(decimalFromBytes(Buffer.from(hex, 'hex').toString('base64'), 4)).toBe('118059162071741130.3425');
  });
});
