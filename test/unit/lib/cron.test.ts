import { CronError, cronTimesBetween, parseCron, previousCronTime } from '../../../lib/cron';
import { scheduledRunInterval } from '../../../lib/pipeline-plan';

const iso = (ds: Date[]): string[] => ds.map((d) => d.toISOString());

describe('cron expressions in a time zone', () => {
  it('fires 06:00 New York on weekdays, at 11:00Z before the March DST change and 10:00Z after it', () => {
    const times = cronTimesBetween(
      parseCron('0 6 * * 1-5'),
      'America/New_York',
      new Date('2026-03-05T00:00Z'),
      new Date('2026-03-11T00:00Z'),
    );
    expect(iso(times)).toEqual([
      '2026-03-05T11:00:00.000Z', // Thu, EST
      '2026-03-06T11:00:00.000Z', // Fri, EST
      '2026-03-09T10:00:00.000Z', // Mon, EDT (clocks moved on Sunday 8 March)
      '2026-03-10T10:00:00.000Z',
    ]);
  });

  it('reads names, steps, lists, macros and 7 as Sunday', () => {
    expect(parseCron('*/15 0,12 1-3 jan-mar SUN').minutes).toEqual([0, 15, 30, 45]);
    expect([...parseCron('0 0 * * 7').weekdays]).toEqual([0]);
    expect(parseCron('@daily').hours).toEqual([0]);
  });

  it.each([
    ['0 6 * *', /has 4 fields/],
    ['61 6 * * *', /minute 61 is outside 0–59/],
    ['0 6 * * mon-xyz', /day of week "xyz" is not a number/],
    ['0 5-3 * * *', /runs backwards/],
    ['*/0 * * * *', /step "0"/],
  ])('rejects %s', (text, message) => {
    expect(() => parseCron(text)).toThrow(CronError);
    expect(() => parseCron(text)).toThrow(message);
  });

  it('finds the previous fire time over a weekend', () => {
    const monday = new Date('2026-03-09T10:00Z');
    expect(previousCronTime(parseCron('0 6 * * 1-5'), 'America/New_York', monday).toISOString()).toBe(
      '2026-03-06T11:00:00.000Z',
    );
  });

  it('gives a cron run the interval since the previous fire time, an every run its slot', () => {
    expect(
      scheduledRunInterval(
        { kind: 'cron', cron: '0 6 * * 1-5', timezone: 'America/New_York' },
        new Date('2026-03-09T10:00Z'),
      ),
    ).toEqual({ start: '2026-03-06T11:00:00.000Z', end: '2026-03-09T10:00:00.000Z' });
    expect(
      scheduledRunInterval({ kind: 'every', minutes: 240, offsetMinutes: 15 }, new Date('2026-03-09T08:15Z')),
    ).toEqual({ start: '2026-03-09T04:00:00.000Z', end: '2026-03-09T08:00:00.000Z' });
  });
});
