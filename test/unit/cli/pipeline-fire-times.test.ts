import { nextFireTimes } from '../../../cli/declared-pipelines';
import { scheduledRunInterval } from '../../../lib/pipeline-plan';
import { pipelinePlan } from '../../../workers/pipeline-plans';
import { configOf } from '../../helpers/pipeline-env';
import {
  expectedEveryFourHours,
  expectedWeekdayMornings,
  threePipelines,
  twoWeeksAcrossDst,
} from '../../helpers/three-pipelines';

const config = configOf({ pipelines: threePipelines('') });
const iso = (ds: Date[]): string[] => ds.map((d) => d.toISOString());

/**
 * The fire times `edp pipelines show` and the two-weeks workflow test use, and the interval each run derives from
 * its scheduled time, over two weeks around each of New York's DST changes. test/integration/pipeline-schedules
 * checks that Temporal's Schedules fire at these same times from the spec `edp schedules apply` sends.
 */
describe.each([
  ['spring forward', new Date('2027-02-01T00:00Z')],
  ['fall back', new Date('2026-10-01T00:00Z')],
])('two weeks of schedules across the %s change', (_, after) => {
  const { from, to, offsets } = twoWeeksAcrossDst(after);
  const claims = pipelinePlan(config, 'claims').schedule!;
  const finance = pipelinePlan(config, 'finance').schedule!;

  it('crosses exactly one change', () => {
    expect(Math.abs(offsets[0] - offsets[1])).toBe(1);
  });

  it('fires every 4 h on the UTC grid, 84 times, unmoved by the change', () => {
    expect(iso(nextFireTimes(claims, from, 84))).toEqual(expectedEveryFourHours(from, to));
    expect(nextFireTimes(claims, from, 85)[84].getTime()).toBeGreaterThan(to.getTime());
  });

  it('fires at 06:00 New York on the ten weekdays, an hour apart in UTC on either side of the change', () => {
    const mornings = expectedWeekdayMornings(from, offsets);
    expect(iso(nextFireTimes(finance, from, 10))).toEqual(mornings);
    expect(nextFireTimes(finance, from, 11)[10].getTime()).toBeGreaterThan(to.getTime());
    expect(new Set(mornings.map((m) => m.slice(11, 16))).size).toBe(2);
  });

  it('gives each run the interval since the previous fire: back to back, Monday’s covering the weekend', () => {
    for (const schedule of [claims, finance]) {
      const fires = nextFireTimes(schedule, new Date(from.getTime() - 7 * 86_400_000), 200).filter((t) => t > from);
      const intervals = fires.slice(0, 30).map((t) => scheduledRunInterval(schedule, t));
      intervals.forEach((interval, i) => {
        expect(interval.end).toBe(fires[i].toISOString());
        if (i > 0) expect(interval.start).toBe(intervals[i - 1].end);
      });
    }
    const monday = expectedWeekdayMornings(from, offsets)[5];
    expect(scheduledRunInterval(finance, new Date(monday)).start).toBe(expectedWeekdayMornings(from, offsets)[4]);
  });
});
