import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeEvent,
  ensureStreamTables,
  mergeToStaging,
  writePartitionBatch,
  type RawMessage,
} from '../../../../activities/streaming';
import { ExactNumber, parseJsonLossless, stringifyLossless } from '../../../../activities/streaming/lossless-json';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import type { StreamTopicConfig } from '../../../../lib/config/schema';
import { tmpDir } from '../../../helpers/tmp';

/** A message the real Debezium 3.6.1 connector wrote for a PostgreSQL row whose `big BIGINT` is 9007199254740993 (2^53 + 1). */
function captured(name: string): RawMessage {
  const m = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/debezium', `${name}.json`), 'utf8')) as {
    partition: number;
    offset: string;
    timestamp: string;
    key: string | null;
    value: string;
  };
  return { ...m, key: m.key === null ? null : Buffer.from(m.key), value: Buffer.from(m.value) };
}

/** The captured message with its `big` value replaced by `literal`. */
function withBig(m: RawMessage, literal: string): RawMessage {
  return { ...m, value: Buffer.from(m.value!.toString('utf8').replace(/"big":9007199254740993/g, `"big":${literal}`)) };
}

const topic = (columns: StreamTopicConfig['columns']): StreamTopicConfig => ({
  topic: 'xprecise.public.edp_types',
  table: 'edp_types',
  format: 'debezium',
  columns,
  key: ['id'],
});

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exact as bigint, numbers a double would change as written, the rest as JSON.parse', () => {
    const text =
      '{"max":9223372036854775807, "min":-9223372036854775808,"safe":9007199254740991,"list":[9007199254740993,1],' +
      '"s":"a:12345678901234567890,","f":1.12345678901234567,"e":12345678901234567e2,"n":null,"b":true,"o":{},' +
      '"d":0.30000000000000004,"z":-0.0,"x":1e-400,"g":1.5e300}';
    expect(parseJsonLossless(text)).toEqual({
      max: 9223372036854775807n,
      min: -9223372036854775808n,
      safe: 9007199254740991,
      list: [9007199254740993n, 1],
      s: 'a:12345678901234567890,',
      f: new ExactNumber('1.12345678901234567'),
      e: new ExactNumber('12345678901234567e2'),
      n: null,
      b: true,
      o: {},
      // A double's own text, a negative zero and a two-digit exponent stay plain numbers.
      d: 0.30000000000000004,
      z: -0,
      x: new ExactNumber('1e-400'),
      g: 1.5e300,
    });
    expect(stringifyLossless(parseJsonLossless(text))).toBe(
      '{"max":9223372036854775807,"min":-9223372036854775808,"safe":9007199254740991,"list":[9007199254740993,1],' +
        '"s":"a:12345678901234567890,","f":"1.12345678901234567","e":"12345678901234567e2","n":null,"b":true,"o":{},' +
        '"d":0.30000000000000004,"z":0,"x":"1e-400","g":1.5e+300}',
    );
  });

  it('reads strings that look like its marks, escapes and odd keys exactly as JSON.parse does', () => {
    const text =
      '{"x":"\\u00009007199254740993","__proto__":[1],"k":"\\"\\\\\\n\\u00e9","k":2,"big":-9007199254740993}';
    const doc = parseJsonLossless(text) as Record<string, unknown>;
    expect(doc.x).toBe('\u00009007199254740993');
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['x', '__proto__', 'k', 'big']);
    expect(doc.k).toBe(2);
    expect(doc.big).toBe(-9007199254740993n);
  });

  it('writes what JSON.stringify writes when no bigint is there, and every digit when one is', () => {
    const plain = { a: 1.5, b: [1, null, 'x', { c: true }], d: '12345678901234567890', e: -0, f: 9007199254740991 };
    expect(stringifyLossless(parseJsonLossless(JSON.stringify(plain)))).toBe(JSON.stringify(plain));
    // A bigint deep inside, after plain fields: the native writer refuses it, the exact one writes it.
    const deep = '{"a":1,"b":[{"c":[2,-9007199254740993]}],"d":"x","e":{"f":18446744073709551615}}';
    expect(stringifyLossless(parseJsonLossless(deep))).toBe(deep);
  });

  it('keeps the bigints of a plain JSON event exact in row_json while its other fields take the fast path', () => {
    const t: StreamTopicConfig = {
      topic: 'claims',
      table: 'claims',
      format: 'json',
      columns: { id: 'string', big: 'integer', amount: 'decimal' },
      key: ['id'],
    };
    const event = (big: string) => ({
      partition: 0,
      offset: '0',
      key: null,
      timestamp: '1000',
      value: Buffer.from(`{"id":"C1","big":${big},"amount":12.5,"nested":{"ids":[${big},1]}}`),
    });
    for (const big of ['9007199254740993', '-9223372036854775808', '9007199254740991', '12']) {
      const e = decodeEvent(t, event(big));
      expect(e).toEqual({
        ok: true,
        op: 'u',
        row: `{"id":"C1","big":${big},"amount":12.5,"nested":{"ids":[${big},1]}}`,
        eventTimeMs: 1000,
      });
    }
  });

  it('keeps a decimal a double would round digit for digit, from the message to staging', async () => {
    const t: StreamTopicConfig = {
      topic: 'exact',
      table: 'exact_amounts',
      format: 'json',
      columns: { id: 'string', amount: 'decimal', label: 'string', n: 'integer' },
      key: ['id'],
    };
    const literal = '1234567890123456.78';
    const e = decodeEvent(t, {
      partition: 0,
      offset: '0',
      key: null,
      timestamp: '1000',
      value: Buffer.from(`{"id":"A1","amount":${literal},"label":0.1000000000000000055511}`),
    });
    expect(e).toEqual({
      ok: true,
      op: 'u',
      // In quotes: DuckDB's JSON reader would round the number as JSON.parse does; the text casts exactly.
      row: `{"id":"A1","amount":"${literal}","label":"0.1000000000000000055511"}`,
      eventTimeMs: 1000,
    });
    // An integer column's value a double would round (to 12345678901234568): refused, the field named.
    const rounded = decodeEvent(t, {
      partition: 0,
      offset: '1',
      key: null,
      timestamp: '1000',
      value: Buffer.from('{"id":"A2","n":12345678901234567.0}'),
    });
    expect(rounded).toMatchObject({ ok: false, reason: expect.stringMatching(/field "n": expected an integer/) });
    // Nor is such a number a timestamp (staging reads whole epoch milliseconds only): refused, not staged as NULL.
    const at = decodeEvent(
      { ...t, columns: { id: 'string', at: 'timestamp' } },
      {
        partition: 0,
        offset: '2',
        key: null,
        timestamp: '1000',
        value: Buffer.from('{"id":"A3","at":1733616000000.123456}'),
      },
    );
    expect(at).toMatchObject({ ok: false, reason: expect.stringMatching(/field "at": expected a timestamp/) });
    const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'exact.duckdb') });
    try {
      await ensureStreamTables(w, t);
      const message = { partition: 0, offset: '0', key: null, timestamp: '1000', headers: {}, attributes: 0 };
      await writePartitionBatch(w, t, 0, [{ ...message, value: Buffer.from(`{"id":"A1","amount":${literal}}`) }]);
      await mergeToStaging(w, t);
      expect(await w.query(`SELECT CAST(amount AS VARCHAR) AS amount FROM staging.exact_amounts`)).toEqual([
        { amount: literal },
      ]);
    } finally {
      await w.close();
    }
  });

  it('throws SyntaxError on invalid JSON with a big literal, as on any other', () => {
    expect(() => parseJsonLossless('{"a":90071992547409930,}')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('{"a":90071992547409930')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('[90071992547409930] x')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('{"s":"a\nb","x":"\\u0000","a":90071992547409930}')).toThrow(SyntaxError);
  });
});

describe('a PostgreSQL bigint beyond 2^53 through the Debezium decoder, raw and staging', () => {
  it('row_json holds the digits the source sent, declared or not', () => {
    const m = captured('precise-types-create');
    const declared: Array<StreamTopicConfig['columns']> = [
      { id: 'integer' },
      { id: 'integer', big: 'integer' },
      { id: 'integer', big: 'string' },
    ];
    for (const columns of declared) {
      const e = decodeEvent(topic(columns), m);
      if (!e.ok) throw new Error(`expected a row, got: ${e.reason}`);
      expect(e.row).toContain('"big":9007199254740993');
    }
    const max = decodeEvent(topic({ id: 'integer', big: 'integer' }), withBig(m, '9223372036854775807'));
    expect(max.ok && max.row).toContain('"big":9223372036854775807');
    // Beyond a 64-bit column: no integer column holds it, so it is refused, not rounded.
    const over = decodeEvent(topic({ id: 'integer', big: 'integer' }), withBig(m, '9223372036854775808'));
    expect(over).toMatchObject({ ok: false, reason: expect.stringMatching(/field "big": expected an integer/) });
  });

  it('staging holds the exact value of the largest PostgreSQL bigint and of 2^53 + 1', async () => {
    const t = topic({ id: 'integer', big: 'integer', label: 'string' });
    const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'bigint.duckdb') });
    try {
      await ensureStreamTables(w, t);
      const m = captured('precise-types-create');
      const other = (id: number, literal: string) => {
        const v = withBig(m, literal);
        return {
          ...v,
          value: Buffer.from(v.value!.toString('utf8').replace(/"after":\{"id":2,/, `"after":{"id":${id},`)),
        };
      };
      const messages = [m, other(3, '9223372036854775807'), other(4, '-9223372036854775808')].map((x, i) => ({
        ...x,
        offset: String(i),
        headers: {},
        attributes: 0,
      }));
      await writePartitionBatch(w, t, 0, messages);
      await mergeToStaging(w, t);
      const rows = await w.query<{ id: string; raw: string; staged: string }>(
        `SELECT CAST(s.id AS VARCHAR) AS id, json_extract_string(r.row_json, '$.big') AS raw, CAST(s.big AS VARCHAR) AS staged
         FROM staging.edp_types s JOIN raw.edp_types r ON r.kafka_offset = s._edp_kafka_offset ORDER BY s.id`,
      );
      expect(rows).toEqual([
        { id: '2', raw: '9007199254740993', staged: '9007199254740993' },
        { id: '3', raw: '9223372036854775807', staged: '9223372036854775807' },
        { id: '4', raw: '-9223372036854775808', staged: '-9223372036854775808' },
      ]);
    } finally {
      await w.close();
    }
  });
});

describe('Debezium NanoTimestamp beyond 2^53 nanoseconds', () => {
  it('keeps every nanosecond digit', () => {
    const schema = {
      type: 'struct',
      fields: [
        {
          type: 'struct',
          field: 'after',
          fields: [
            { type: 'int32', field: 'id' },
            { type: 'int64', name: 'io.debezium.time.NanoTimestamp', field: 'ts' },
          ],
        },
      ],
    };
    const value = `{"schema":${JSON.stringify(schema)},"payload":{"op":"c","after":{"id":1,"ts":1772600767123456789},"source":{"ts_ms":1772600767200}}}`;
    const e = decodeEvent(topic({ id: 'integer', ts: 'timestamp' }), {
      partition: 0,
      offset: '0',
      key: null,
      value: Buffer.from(value),
      timestamp: '1772600767300',
    });
    expect(e.ok && JSON.parse(e.row)).toEqual({ id: 1, ts: '2026-03-04T05:06:07.123456789Z' });
  });
});
