import { earliestJudgedStart, evaluateSlas, type RunInfo } from '../../../../activities/sla';
import type { SlaConfig } from '../../../../lib/config/schema';
import type { PlanSchedule } from '../../../../lib/pipeline-plan';

const H = 3_600_000;
const at = (iso: string): Date => new Date(iso);
const base: SlaConfig = { checkEveryMinutes: 5, freshness: [] };
const run = (start: string, status: string, close?: string): RunInfo => ({
  intervalStart: at(start),
  status,
  closeTime: close ? at(close) : undefined,
});
const inputs = (now: string, runs: RunInfo[] = []) => ({ now: at(now), intervalHours: 4, runs, freshness: [] });

describe('SLA evaluation', () => {
  it('latency: judges the latest interval whose deadline passed, on time, late or not finished', () => {
    const slas = { ...base, latencyMinutes: 30 };
    // At 09:00 the latest interval with end + 30 min ≤ now is [04:00, 08:00).
    const now = '2026-06-01T09:00:00Z';
    const onTime = evaluateSlas(slas, inputs(now, [run('2026-06-01T04:00:00Z', 'COMPLETED', '2026-06-01T08:20:00Z')]));
    expect(onTime).toEqual([
      {
        sla: 'latency',
        breached: false,
        detail: 'interval 2026-06-01T04:00Z finished 20 min after its end (allowed 30 min)',
      },
    ]);
    const late = evaluateSlas(slas, inputs(now, [run('2026-06-01T04:00:00Z', 'COMPLETED', '2026-06-01T08:45:00Z')]));
    expect(late[0]).toMatchObject({ breached: true, detail: expect.stringContaining('finished 45 min after its end') });
    const failedThenRunning = evaluateSlas(
      slas,
      inputs(now, [
        run('2026-06-01T04:00:00Z', 'FAILED', '2026-06-01T08:10:00Z'),
        run('2026-06-01T04:00:00Z', 'RUNNING'),
      ]),
    );
    expect(failedThenRunning[0]).toMatchObject({
      breached: true,
      detail: 'interval 2026-06-01T04:00Z had not finished 60 min after its end (allowed 30 min)',
    });
  });

  it('availability: the share of the window’s intervals with a completed run, naming the missing ones', () => {
    const slas = { ...base, availability: { percent: 80, windowHours: 24 } };
    const now = '2026-06-02T00:10:00Z'; // the window is the six intervals of 2026-06-01
    const runs = ['00', '04', '08', '12', '16'].map((h) => run(`2026-06-01T${h}:00:00Z`, 'COMPLETED', now));
    expect(evaluateSlas(slas, inputs(now, runs))[0]).toEqual({
      sla: 'availability',
      breached: false,
      detail: '5 of 6 intervals in the last 24 h completed (83.33%, minimum 80%); missing 2026-06-01T20:00Z',
    });
    expect(evaluateSlas(slas, inputs(now, runs.slice(1)))[0]).toMatchObject({ breached: true });
  });

  it('quality and freshness', () => {
    const slas: SlaConfig = {
      ...base,
      qualityScoreMin: 95,
      freshness: [
        { table: 'marts.a', column: 'updated_at', maxMinutes: 60 },
        { table: 'marts.b', column: 'updated_at', maxMinutes: 60 },
        { table: 'marts.c', column: 'updated_at', maxMinutes: 60 },
      ],
    };
    const now = at('2026-06-01T12:00:00Z');
    const states = evaluateSlas(slas, {
      now,
      intervalHours: 4,
      runs: [],
      latestScore: { intervalStart: '2026-06-01 04:00:00+00', table: 'staging.stg_claims', score: 92.5 },
      freshness: [
        { table: 'marts.a', column: 'updated_at', newest: new Date(now.getTime() - 0.5 * H) },
        { table: 'marts.b', column: 'updated_at', newest: new Date(now.getTime() - 2 * H) },
        { table: 'marts.c', column: 'updated_at', newest: null, error: 'Table marts.c does not exist' },
      ],
    });
    expect(states.map((s) => [s.sla, s.breached])).toEqual([
      ['quality', true],
      ['freshness:marts.a', false],
      ['freshness:marts.b', true],
      ['freshness:marts.c', true],
    ]);
    expect(states[2].detail).toBe('newest updated_at in marts.b is 120 min old (maximum 60 min)');
    expect(states[3].detail).toBe('cannot read marts.c.updated_at: Table marts.c does not exist');
  });

  describe("a declared pipeline's SLAs, on its schedule's intervals", () => {
    // Weekdays at 06:00 New York: the interval before Monday 2026-03-09 spans the spring-forward change.
    const weekdays: PlanSchedule = { kind: 'cron', cron: '0 6 * * 1-5', timezone: 'America/New_York' };
    const onCron = (now: string, runs: RunInfo[]) => ({ now: at(now), schedule: weekdays, runs, freshness: [] });

    it('latency: judges the interval between two fire times, from the fire that ended it', () => {
      const slas = { ...base, latencyMinutes: 60 };
      // At 11:30Z the latest fire with fire + 60 min ≤ now is Monday 06:00 EDT (10:00Z); the one before, Friday 06:00 EST (11:00Z).
      const now = '2026-03-09T11:30:00Z';
      const onTime = run('2026-03-06T11:00:00Z', 'COMPLETED', '2026-03-09T10:45:00Z');
      expect(evaluateSlas(slas, onCron(now, [onTime]))).toEqual([
        {
          sla: 'latency',
          breached: false,
          detail: 'interval 2026-03-06T11:00Z finished 45 min after its end (allowed 60 min)',
        },
      ]);
      // A run of a 4-hour slot ending at the same instant is not this pipeline's interval.
      const hourGrid = run('2026-03-09T06:00:00Z', 'COMPLETED', '2026-03-09T10:45:00Z');
      expect(evaluateSlas(slas, onCron(now, [hourGrid]))[0]).toEqual({
        sla: 'latency',
        breached: true,
        detail: 'interval 2026-03-06T11:00Z had not finished 90 min after its end (allowed 60 min)',
      });
      // Before Monday's deadline, Friday's interval (ended Friday 06:00 EST) is still the one judged.
      expect(evaluateSlas(slas, onCron('2026-03-09T10:30:00Z', [onTime]))[0].detail).toBe(
        'interval 2026-03-05T11:00Z had not finished 4290 min after its end (allowed 60 min)',
      );
    });

    it('availability: counts the fire-time intervals that start in the window', () => {
      const slas = { ...base, availability: { percent: 100, windowHours: 168 } };
      const now = '2026-03-09T11:30:00Z';
      // Monday 2026-03-02 06:00 EST (11:00Z) to Monday 2026-03-09 06:00 EDT: five weekday intervals.
      const starts = ['2026-03-02T11:00:00Z', '2026-03-03T11:00:00Z', '2026-03-04T11:00:00Z', '2026-03-06T11:00:00Z'];
      const runs = starts.map((s) => run(s, 'COMPLETED', now));
      expect(evaluateSlas(slas, onCron(now, runs))[0]).toEqual({
        sla: 'availability',
        breached: true,
        detail: '4 of 5 intervals in the last 168 h completed (80%, minimum 100%); missing 2026-03-05T11:00Z',
      });
      // Runs are read from the interval before the window's start on: Thursday 2026-02-26 06:00 EST.
      expect(earliestJudgedStart(slas, { schedule: weekdays }, at(now))).toEqual(at('2026-02-26T11:00:00Z'));
    });

    it('latency on an every-30-minutes schedule', () => {
      const every: PlanSchedule = { kind: 'every', minutes: 30, offsetMinutes: 5 };
      const slas = { ...base, latencyMinutes: 10 };
      const now = at('2026-06-01T12:05:00Z');
      const runs = [run('2026-06-01T11:00:00Z', 'COMPLETED', '2026-06-01T11:38:00Z')];
      expect(evaluateSlas(slas, { now, schedule: every, runs, freshness: [] })).toEqual([
        {
          sla: 'latency',
          breached: false,
          detail: 'interval 2026-06-01T11:00Z finished 8 min after its end (allowed 10 min)',
        },
      ]);
      expect(earliestJudgedStart(slas, { schedule: every }, now)).toEqual(at('2026-06-01T11:00:00Z'));
    });
  });

  it('reports nothing for SLAs that are not configured', () => {
    expect(evaluateSlas(base, inputs('2026-06-01T09:00:00Z'))).toEqual([]);
  });
});
