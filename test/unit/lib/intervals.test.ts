import {
  compactInstant,
  fileStamp,
  intervalEndingAt,
  intervalsBetween,
  IntervalError,
  parseInterval,
} from '../../../lib/intervals';

describe('intervals', () => {
  it('parses <start>/<end> in compact and full ISO forms', () => {
    expect(parseInterval('2026-01-01T04:00Z/2026-01-01T08:00:00.000Z')).toEqual({
      start: '2026-01-01T04:00:00.000Z',
      end: '2026-01-01T08:00:00.000Z',
    });
  });

  it('rejects reversed, empty and malformed intervals with a message saying what was expected', () => {
    expect(() => parseInterval('2026-01-01T08:00Z/2026-01-01T04:00Z')).toThrow(/must be after its start/);
    expect(() => parseInterval('2026-01-01T04:00Z')).toThrow(/<start>\/<end>/);
    expect(() => parseInterval('yesterday/today')).toThrow(IntervalError);
  });

  it('gives a scheduled run the slot that ends at or before its scheduled time (Airflow semantics)', () => {
    expect(intervalEndingAt(new Date('2026-01-01T08:00:00Z'), 4)).toEqual({
      start: '2026-01-01T04:00:00.000Z',
      end: '2026-01-01T08:00:00.000Z',
    });
    expect(intervalEndingAt(new Date('2026-01-01T08:00:07Z'), 4).start).toBe('2026-01-01T04:00:00.000Z');
    expect(intervalEndingAt(new Date('2026-01-01T07:59:59Z'), 4).start).toBe('2026-01-01T00:00:00.000Z');
  });

  it('lists the aligned intervals of a day', () => {
    const day = intervalsBetween(new Date('2026-01-01T00:00Z'), new Date('2026-01-02T00:00Z'), 4);
    expect(day.map((i) => compactInstant(i.start))).toEqual([
      '2026-01-01T00:00Z',
      '2026-01-01T04:00Z',
      '2026-01-01T08:00Z',
      '2026-01-01T12:00Z',
      '2026-01-01T16:00Z',
      '2026-01-01T20:00Z',
    ]);
  });

  it('formats file stamps', () => {
    expect(fileStamp('2026-03-09T20:00:00.000Z')).toBe('20260309T2000');
  });
});
