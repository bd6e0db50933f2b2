import {
  compactInstant,
  fileStamp,
  intervalEndingAt,
  intervalsBetween,
  intervalArgument,
  IntervalError,
  parseInterval,
  scheduleInterval,
  scheduleIntervals,
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

describe('schedule intervals (edp run --interval, edp backfill --from/--to)', () => {
  const at = (text: string) => parseInterval(text);

  it('accepts one of the pipeline intervals as it is', () => {
    expect(scheduleInterval(at('2026-01-01T04:00Z/2026-01-01T08:00Z'), 4)).toEqual({
      start: '2026-01-01T04:00:00.000Z',
      end: '2026-01-01T08:00:00.000Z',
    });
  });

  it('rejects a misaligned interval, naming the nearest valid ones', () => {
    expect(() => scheduleInterval(at('2026-01-01T05:00Z/2026-01-01T09:00Z'), 4)).toThrow(
      "interval 2026-01-01T05:00Z/2026-01-01T09:00Z is not made of the pipeline's 4-hour intervals (pipeline.intervalHours; they start at multiples of 4 h from 00:00 UTC); the nearest valid: 2026-01-01T04:00Z/2026-01-01T08:00Z or 2026-01-01T08:00Z/2026-01-01T12:00Z",
    );
    expect(() => scheduleInterval(at('2026-01-01T04:00Z/2026-01-01T06:00Z'), 4)).toThrow(
      /the nearest valid: 2026-01-01T04:00Z\/2026-01-01T08:00Z$/,
    );
    // A long range off the grid: the aligned ranges just inside and just around it.
    expect(() => scheduleIntervals(at('2026-01-01T01:00Z/2026-01-02T01:00Z'), 4)).toThrow(
      /the nearest valid: 2026-01-01T04:00Z\/2026-01-02T00:00Z or 2026-01-01T00:00Z\/2026-01-02T04:00Z$/,
    );
  });

  it('never lets a 24-hour interval pass as the 4-hour one starting at 00:00: it names the backfill', () => {
    expect(() => scheduleInterval(at('2026-01-01/2026-01-02'), 4)).toThrow(
      "interval 2026-01-01T00:00Z/2026-01-02T00:00Z spans 6 of the pipeline's 4-hour intervals; a run covers one, e.g. 2026-01-01T00:00Z/2026-01-01T04:00Z; run them all with `npx edp backfill --from 2026-01-01T00:00Z --to 2026-01-02T00:00Z --mode all`",
    );
    expect(scheduleInterval(at('2026-01-01/2026-01-02'), 24).end).toBe('2026-01-02T00:00:00.000Z');
  });

  it('expands an aligned range into its intervals', () => {
    expect(scheduleIntervals(at('2026-01-01T00:00Z/2026-01-01T12:00Z'), 4).map((i) => intervalArgument(i))).toEqual([
      '2026-01-01T00:00Z/2026-01-01T04:00Z',
      '2026-01-01T04:00Z/2026-01-01T08:00Z',
      '2026-01-01T08:00Z/2026-01-01T12:00Z',
    ]);
  });
});
