import { decodeEvent, typeProblem, type RawMessage } from '../../../../activities/streaming';
import { streamEvent } from '../../../../cli/stream-producer';
import { rng } from '../../../../cli/sample-data';
import type { StreamTopicConfig } from '../../../../lib/config/schema';

const claims: StreamTopicConfig = {
  topic: 'claims',
  table: 'claim_events',
  format: 'json',
  columns: { claim_id: 'string', amount: 'decimal', event_time: 'timestamp' },
  key: ['claim_id'],
  eventTime: 'event_time',
};
const members: StreamTopicConfig = {
  topic: 'members',
  table: 'member_updates',
  format: 'debezium',
  columns: { member_id: 'string', plan_id: 'string' },
  key: ['member_id'],
};
const msg = (value: unknown, timestamp = '1000'): RawMessage => ({
  partition: 0,
  offset: '7',
  key: null,
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp,
});

describe('stream event decoding', () => {
  it('takes a JSON row with its declared event time', () => {
    const e = decodeEvent(claims, msg({ claim_id: 'C1', amount: 12.5, event_time: '2026-11-22T10:00:00Z' }));
    expect(e).toEqual({
      ok: true,
      op: 'u',
      row: JSON.stringify({ claim_id: 'C1', amount: 12.5, event_time: '2026-11-22T10:00:00Z' }),
      eventTimeMs: Date.parse('2026-11-22T10:00:00Z'),
    });
  });

  it('unwraps Debezium envelopes: after for c/u/r, before for d, event time from source.ts_ms', () => {
    const after = { member_id: 'M1', plan_id: 'P2' };
    expect(decodeEvent(members, msg({ op: 'u', before: null, after, source: { ts_ms: 5000 } }))).toMatchObject({
      ok: true,
      op: 'u',
      row: JSON.stringify(after),
      eventTimeMs: 5000,
    });
    expect(
      decodeEvent(members, msg({ payload: { op: 'd', before: after, after: null, source: { ts_ms: 6000 } } })),
    ).toMatchObject({
      ok: true,
      op: 'd',
      eventTimeMs: 6000,
    });
  });

  it('turns every kind of bad message into a reason, never an exception', () => {
    const reasons = [
      decodeEvent(claims, msg('{"claim_id": "C1", "amou')),
      decodeEvent(claims, msg(null)),
      decodeEvent(claims, msg([1, 2])),
      decodeEvent(claims, msg({ amount: 3 })),
      decodeEvent(claims, msg({ claim_id: 'C1', amount: 'abc' })),
      decodeEvent(members, msg({ op: 'x', after: {} })),
      decodeEvent(members, msg({ op: 'c', after: { plan_id: 'P1' } })),
    ].map((e) => (e.ok ? 'ok' : e.reason.replace(/:.*$/s, '')));
    expect(reasons).toEqual([
      'invalid JSON',
      'empty message (tombstone)',
      'the row is not a JSON object',
      'missing key field "claim_id"',
      'field "amount"',
      'Debezium op must be c, u, d or r, got "x"',
      'Debezium after',
    ]);
  });

  it('checks types without being strict about JSON representations', () => {
    expect(typeProblem('12.50', 'decimal')).toBeUndefined();
    expect(typeProblem(3, 'integer')).toBeUndefined();
    expect(typeProblem(3.5, 'integer')).toMatch(/expected an integer/);
    expect(typeProblem(1732270000000, 'timestamp')).toBeUndefined();
    expect(typeProblem('yesterday', 'timestamp')).toMatch(/expected a timestamp/);
    expect(typeProblem({ a: 1 }, 'string')).toMatch(/expected text/);
    expect(typeProblem(null, 'decimal')).toBeUndefined();
  });

  it('the producer’s clean events decode, and its dirty ones do not', () => {
    const r = rng(3);
    let clean = 0;
    let dirty = 0;
    for (let i = 0; i < 500; i++) {
      for (const t of [claims, members]) {
        const e = streamEvent(t, i, r, 50, 0.2);
        const decoded = decodeEvent(t, msg(String(e.message.value)));
        if (e.dirty) {
          dirty++;
          expect(decoded.ok).toBe(false);
        } else {
          clean++;
          expect(decoded.ok).toBe(true);
        }
      }
    }
    expect(dirty).toBeGreaterThan(100);
    expect(clean).toBeGreaterThan(600);
  });
});
