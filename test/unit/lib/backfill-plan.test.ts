import { planBackfill, type IntervalState } from '../../../lib/backfill-plan';
import { intervalsBetween } from '../../../lib/intervals';

describe('backfill plan', () => {
  const intervals = intervalsBetween(new Date('2026-01-01T00:00Z'), new Date('2026-01-01T20:00Z'), 4);
  const states: IntervalState[] = ['none', 'succeeded', 'failed', 'blocked', 'running'];
  const stateOf = (i: { start: string }) => states[intervals.findIndex((x) => x.start === i.start)];
  const runs = (mode: 'missing' | 'failed' | 'all') => planBackfill(intervals, stateOf, mode).map((s) => s.run);

  it('runs only never-run intervals in mode missing', () => {
    expect(runs('missing')).toEqual([true, false, false, false, false]);
  });

  it('also re-runs failed and blocked intervals in mode failed', () => {
    expect(runs('failed')).toEqual([true, false, true, true, false]);
  });

  it('re-runs everything but a running interval in mode all', () => {
    expect(runs('all')).toEqual([true, true, true, true, false]);
    expect(planBackfill(intervals, stateOf, 'all')[4].reason).toBe('a run is in progress');
  });
});
