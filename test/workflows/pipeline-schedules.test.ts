import { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities';
import { nextFireTimes } from '../../cli/declared-pipelines';
import { pipelineWorkflowId } from '../../lib/ids';
import { EDP_TRIGGER } from '../../lib/search-attributes';
import { scheduledPipelineRunStartOptions } from '../../workers/pipeline-input';
import { pipelinePlan } from '../../workers/pipeline-plans';
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
 * Two weeks of three pipelines on the test server: every 4 h (UTC), weekday 06:00 New York across a DST change,
 * and a data-aware one started by the first's `land` step. That server has no Schedules, so each run starts as its
 * Schedule starts it: the action `edp schedules apply` gives the Schedule, its id suffixed with the scheduled time,
 * TemporalScheduledStartTime stamped, at the fire times test/unit/cli/pipeline-fire-times checks and
 * test/integration/pipeline-schedules proves Temporal's Schedules use. A run reads its interval from that stamp, not
 * from the clock, so the clock does not move: the client here never unlocks time skipping. (A client that does
 * stalls the server for good: the test server takes a time-skipping lock when a child workflow completes and only
 * the parent's processing of that completion releases it, so a triggered run, abandoned by a parent that finished
 * first, leaves the clock locked; from then on a sleep of a simulated day takes a real day.)
 */
describe('three pipelines over two weeks of scheduled runs (test server)', () => {
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
    const { from, to, offsets } = twoWeeksAcrossDst(new Date('2027-02-01T00:00Z'));
    const scheduleOf = (p: string) => pipelinePlan(config, p).schedule!;
    const fires = [
      ...nextFireTimes(scheduleOf('claims'), from, 84).map((at) => ({ pipeline: 'claims', at })),
      ...nextFireTimes(scheduleOf('finance'), from, 10).map((at) => ({ pipeline: 'finance', at })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    expect(fires.filter((f) => f.at > to)).toEqual([]);

    const ran: string[] = [];
    const activities: Partial<Activities> = {
      runSqlStatements({ statements, interval }) {
        ran.push(`${statements[0]} ${interval.start}/${interval.end}`);
        return Promise.resolve({ rowsChanged: [0] });
      },
    };
    const client = new Client({ connection: env.connection, namespace: env.namespace });
    const runs = await withPipelineWorkers(env, 'two-weeks', activities, async () => {
      const scheduled: PipelineRunResult[] = [];
      const downstream: Array<{ result: PipelineRunResult; trigger: string | undefined }> = [];
      // A day's runs at once (up to seven), each with the run it triggers; days one after another.
      for (let day = from.getTime(); day < to.getTime(); day += DAY) {
        const due = fires.filter((f) => f.at.getTime() > day && f.at.getTime() <= day + DAY);
        const done = await Promise.all(
          due.map(async (fire) => {
            const options = scheduledPipelineRunStartOptions(config, fire.pipeline);
            const r = await client.workflow.execute(pipelineRun, {
              ...options,
              workflowId: `${options.workflowId}-${fire.at.toISOString().slice(0, 19)}Z`,
              typedSearchAttributes: [...options.typedSearchAttributes, { key: SCHEDULED_START, value: fire.at }],
            });
            const triggered = await Promise.all(
              r.triggered.map(async (id) => {
                const h = client.workflow.getHandle<typeof pipelineRun>(id);
                const result = await h.result();
                return { result, trigger: (await h.describe()).typedSearchAttributes.get(EDP_TRIGGER) };
              }),
            );
            return { r, triggered };
          }),
        );
        for (const { r, triggered } of done) {
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
      i === 0 ? new Date(new Date(mornings[0]).getTime() - 3 * DAY).toISOString() : mornings[i - 1];
    expect(intervalsOf(runs.scheduled, 'finance')).toEqual(mornings.map((m, i) => `${previous(i)}/${m}`));
    expect(runs.scheduled.every((r) => r.status === 'succeeded')).toBe(true);
    // The data-aware pipeline: exactly one run per upstream run, for the upstream interval, recorded as triggered.
    const marts = runs.downstream.map((x) => x.result);
    expect(intervalsOf(marts, 'marts')).toEqual(claimsRuns);
    expect(marts.map((r) => r.status)).toEqual(claimsRuns.map(() => 'succeeded'));
    expect(runs.downstream.every((x) => x.trigger === 'claims.land')).toBe(true);
    expect(runs.scheduled.flatMap((r) => r.triggered)).toEqual(
      runs.scheduled.filter((r) => r.pipeline === 'claims').map((r) => pipelineWorkflowId('marts', r.interval)),
    );
    // Every step ran exactly once per run, for that run's interval.
    const stepRuns = (step: string, intervals: string[]) => intervals.map((i) => `select '${step}' ${i}`);
    expect([...ran].sort()).toEqual(
      [
        ...stepRuns('land', claimsRuns),
        ...stepRuns('publish', claimsRuns),
        ...stepRuns('refresh', claimsRuns),
        ...stepRuns('build', intervalsOf(runs.scheduled, 'finance')),
      ].sort(),
    );
    console.log(`two weeks, ${fires.length + runs.downstream.length} runs: ${Date.now() - began} ms`);
  }, 300_000);
});
