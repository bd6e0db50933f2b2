import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities';
import { cronTimesBetween, parseCron } from '../../lib/cron';
import { EDP_TRIGGER } from '../../lib/search-attributes';
import { scheduledPipelineRunStartOptions } from '../../workers/pipeline-input';
import { nextFireTimes } from '../../cli/declared-pipelines';
import { pipelineRun } from '../../workflows';
import type { PipelineRunResult } from '../../workflows/pipeline-run';
import { addSearchAttributes, configOf, queuesFor, withPipelineWorkers } from '../helpers/pipeline-env';
import {
  expectedEveryFourHours,
  expectedWeekdayMornings,
  threePipelines,
  twoWeeksAcrossDst,
} from '../helpers/three-pipelines';
import { openTimeSkipping } from '../helpers/time-skipping';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Two simulated weeks of three pipelines on the time-skipping server. That server has no Schedules, so each run
 * starts as its Schedule starts it (the action `edp schedules apply` gives it, TemporalScheduledStartTime stamped)
 * at the fire times the schedule spec gives; test/integration/pipeline-schedules.test.ts checks on the dev server
 * that its Schedules fire at exactly those times. What this proves: every run derives the right interval from its
 * scheduled time (the cron's across the DST change), and the triggered pipeline runs once per upstream run, for
 * the upstream interval.
 */
describe('three pipelines over two simulated weeks (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
    await addSearchAttributes(env);
  });
  afterAll(() => env?.teardown());

  it('runs every 4 h, on weekday mornings in New York across DST, and downstream of each 4-hourly land step', async () => {
    const began = Date.now();
    const q = queuesFor('two-weeks');
    const config = configOf({
      temporal: { taskQueues: { workflows: q.workflows, warehouse: q.warehouse } },
      pipelines: threePipelines(''),
    });
    const { from, to, offsets } = twoWeeksAcrossDst(new Date(await env.currentTimeMs()));
    expect(Math.abs(offsets[0] - offsets[1])).toBe(1);
    const plans = { claims: config.pipelines[0].schedule!, finance: config.pipelines[1].schedule! };
    const fires = [
      ...expectedEveryFourHours(from, to).map((t) => ({ pipeline: 'claims', at: t })),
      ...expectedWeekdayMornings(from, offsets).map((t) => ({ pipeline: 'finance', at: t })),
    ].sort((a, b) => a.at.localeCompare(b.at));
    // The schedule specs agree with the written-out times.
    const cron = cronTimesBetween(parseCron(plans.finance.cron!), plans.finance.timezone, from, to);
    expect(cron.map((d) => d.toISOString())).toEqual(expectedWeekdayMornings(from, offsets));
    expect(
      nextFireTimes({ kind: 'every', minutes: 240, offsetMinutes: 0 }, from, 84).map((d) => d.toISOString()),
    ).toEqual(expectedEveryFourHours(from, to));

    const steps: string[] = [];
    const activities: Partial<Activities> = {
      runSqlStatements({ statements }) {
        steps.push(statements[0]);
        return Promise.resolve({ rowsChanged: [0] });
      },
    };
    const runs = await withPipelineWorkers(env, 'two-weeks', activities, async () => {
      const scheduled: PipelineRunResult[] = [];
      const downstream: Array<{ result: PipelineRunResult; trigger: string | undefined }> = [];
      // The clock moves a day at a time; each day's runs start at its end, stamped with their own scheduled
      // times, and finish (with the runs they trigger) before the clock moves on, so nothing holds it back.
      for (let day = from.getTime() + DAY; day <= to.getTime(); day += DAY) {
        await env.sleep(day - (await env.currentTimeMs()));
        const due = fires.filter((f) => Date.parse(f.at) > day - DAY && Date.parse(f.at) <= day);
        // A day's runs (up to seven) run at once, each with the runs it triggers.
        const ran = await Promise.all(
          due.map(async (fire) => {
            const options = scheduledPipelineRunStartOptions(config, fire.pipeline);
            const r = await env.client.workflow.execute(pipelineRun, {
              ...options,
              workflowId: `${options.workflowId}-${fire.at}`,
              typedSearchAttributes: [
                ...options.typedSearchAttributes,
                { key: SCHEDULED_START, value: new Date(fire.at) },
              ],
            });
            const triggered = await Promise.all(
              r.triggered.map(async (id) => {
                const h = env.client.workflow.getHandle<typeof pipelineRun>(id);
                const result = await h.result();
                return { result, trigger: (await h.describe()).typedSearchAttributes.get(EDP_TRIGGER) };
              }),
            );
            return { r, triggered };
          }),
        );
        for (const { r, triggered } of ran) {
          scheduled.push(r);
          downstream.push(...triggered);
        }
      }
      return { scheduled, downstream };
    });

    const intervalsOf = (rs: PipelineRunResult[], p: string) =>
      rs.filter((r) => r.pipeline === p).map((r) => `${r.interval.start}/${r.interval.end}`);
    const claimsRuns = expectedEveryFourHours(from, to).map(
      (end) => `${new Date(new Date(end).getTime() - 4 * HOUR).toISOString()}/${end}`,
    );
    expect(intervalsOf(runs.scheduled, 'claims')).toEqual(claimsRuns);
    // A weekday cron run covers the time since the previous one: Monday's covers the weekend.
    const mornings = expectedWeekdayMornings(from, offsets);
    const previous = (i: number) =>
      i === 0 ? new Date(new Date(mornings[0]).getTime() - 3 * 24 * HOUR).toISOString() : mornings[i - 1];
    expect(intervalsOf(runs.scheduled, 'finance')).toEqual(mornings.map((m, i) => `${previous(i)}/${m}`));
    expect(runs.scheduled.every((r) => r.status === 'succeeded')).toBe(true);
    // The data-aware pipeline: exactly one run per upstream run, for the upstream interval, recorded as triggered.
    expect(
      intervalsOf(
        runs.downstream.map((x) => x.result),
        'marts',
      ),
    ).toEqual(claimsRuns);
    expect(runs.downstream.every((x) => x.trigger === 'claims.land')).toBe(true);
    expect(steps.filter((s) => s.includes("'refresh'"))).toHaveLength(84);
    expect(steps.filter((s) => s.includes("'build'"))).toHaveLength(10);
    console.log(`two simulated weeks, ${fires.length + runs.downstream.length} runs: ${Date.now() - began} ms`);
  }, 600_000);
});
