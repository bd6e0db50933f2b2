import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activities } from '../../activities';
import { makeInterval } from '../../lib/intervals';
import { EDP_PARAMS, EDP_STATUS, EDP_TRIGGER } from '../../lib/search-attributes';
import {
  pipelineRunInput,
  pipelineRunStartOptions,
  scheduledPipelineRunStartOptions,
} from '../../workers/pipeline-input';
import { pipelineRun } from '../../workflows';
import type { PipelineRunResult } from '../../workflows/pipeline-run';
import { HISTORIES_DIR } from '../helpers/histories';
import { addSearchAttributes, configOf, queuesFor, withPipelineWorkers } from '../helpers/pipeline-env';
import { openTimeSkipping } from '../helpers/time-skipping';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const interval = makeInterval(new Date('2026-03-02T04:00Z'), new Date('2026-03-02T08:00Z'));
const sql = (name: string, dependsOn: string[] = []) => ({ name, kind: 'sql', sql: `select '${name}'`, dependsOn });

/** A fan-out from `load` to `left` and `right`, joined by `join`; `after_left` hangs off `left` alone. */
const dagSteps = [
  sql('load'),
  sql('left', ['load']),
  sql('right', ['load']),
  sql('join', ['left', 'right']),
  sql('after_left', ['left']),
];

function configFor(name: string, pipelines: unknown[]) {
  const q = queuesFor(name);
  return configOf({ temporal: { taskQueues: { workflows: q.workflows, warehouse: q.warehouse } }, pipelines });
}

/** Fake SQL-step activities: each statement names its step, takes 300 ms, and `failing` ones fail for good. */
function sqlActivities(failing: string[] = []) {
  const events: string[] = [];
  const deadLetters: string[] = [];
  const activities: Partial<Activities> = {
    async runSqlStatements({ statements }) {
      const step = /'(\w+)'/.exec(statements[0])![1];
      events.push(`start ${step}`);
      await new Promise((r) => setTimeout(r, 300));
      events.push(`end ${step}`);
      if (failing.includes(step)) throw ApplicationFailure.nonRetryable(`step ${step} broke`);
      return Promise.resolve({ rowsChanged: [1] });
    },
    recordDeadLetter(letter) {
      deadLetters.push(letter.step);
      return Promise.resolve();
    },
  };
  return { activities, events, deadLetters };
}

describe('pipelineRun (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
    await addSearchAttributes(env);
  });
  afterAll(() => env?.teardown());

  it('runs a fan-out’s branches at once and skips only the descendants of the failed step', async () => {
    const config = configFor('dag-fail', [{ name: 'dag', steps: dagSteps }]);
    const fakes = sqlActivities(['right']);
    const err = await withPipelineWorkers(env, 'dag-fail', fakes.activities, () =>
      env.client.workflow
        .execute(pipelineRun, pipelineRunStartOptions(config, 'dag', interval))
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.message).toContain('right: ');
    const result = failure.details?.[0] as PipelineRunResult;
    const status = Object.fromEntries(result.steps.map((s) => [s.step, s.status]));
    expect(status).toEqual({
      load: 'succeeded',
      left: 'succeeded',
      right: 'failed',
      after_left: 'succeeded',
      join: 'skipped',
    });
    expect(result.status).toBe('failed');
    // Both branches started before either ended: they ran at the same time.
    const firstEnd = fakes.events.findIndex((e) => e.startsWith('end') && e !== 'end load');
    expect(fakes.events.slice(0, firstEnd)).toEqual(expect.arrayContaining(['start left', 'start right']));
    expect(fakes.events).not.toContain('start join');
    expect(fakes.deadLetters).toEqual(['right']);
  });

  it('a cancelled run ends with EdpStatus cancelled and records no dead letter for its cancelled steps', async () => {
    const config = configFor('cancel', [{ name: 'cancelled_dag', steps: dagSteps }]);
    const started: string[] = [];
    const deadLetters: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const activities: Partial<Activities> = {
      async runSqlStatements({ statements }) {
        started.push(/'(\w+)'/.exec(statements[0])![1]);
        await released;
        return { rowsChanged: [1] };
      },
      recordDeadLetter(letter) {
        deadLetters.push(letter.step);
        return Promise.resolve();
      },
    };
    const options = pipelineRunStartOptions(config, 'cancelled_dag', interval);
    await withPipelineWorkers(env, 'cancel', activities, async () => {
      const handle = await env.client.workflow.start(pipelineRun, options);
      try {
        // Cancelled while its first step runs.
        while (started.length === 0) await new Promise((r) => setTimeout(r, 50));
        await handle.cancel();
        await expect(handle.result()).rejects.toThrow('Workflow execution cancelled');
      } finally {
        release(); // the worker shuts down only once its activity has returned
      }
    });
    const described = await env.client.workflow.getHandle(options.workflowId).describe();
    expect(described.status.name).toBe('CANCELLED');
    expect(described.typedSearchAttributes.get(EDP_STATUS)).toBe('cancelled');
    expect(started).toEqual(['load']);
    expect(deadLetters).toEqual([]);
  });

  it('starts the pipelines a completed step triggers, with the upstream interval and parameters on record', async () => {
    const config = configFor('trigger', [
      { name: 'claims', schedule: { every: '4h' }, steps: [sql('land'), sql('publish', ['land'])] },
      { name: 'marts', triggers: [{ pipeline: 'claims', step: 'land' }], steps: [sql('build')] },
    ]);
    const fakes = sqlActivities();
    const params = { vars: { region: 'east' }, fullRefresh: true };
    const { up, down, downAttrs } = await withPipelineWorkers(env, 'trigger', fakes.activities, async () => {
      const up = await env.client.workflow.execute(
        pipelineRun,
        pipelineRunStartOptions(config, 'claims', interval, params),
      );
      const handle = env.client.workflow.getHandle<typeof pipelineRun>(up.triggered[0]);
      const down = await handle.result();
      const downAttrs = (await handle.describe()).typedSearchAttributes;
      return { up, down, downAttrs };
    });
    expect(up.triggered).toEqual(['edp-pipeline-marts-2026-03-02T08:00:00Z']);
    expect(down).toMatchObject({ pipeline: 'marts', interval, status: 'succeeded' });
    expect(downAttrs.get(EDP_TRIGGER)).toBe('claims.land');
    expect(downAttrs.get(EDP_PARAMS)).toBe('full-refresh vars={"region":"east"}');
    expect(fakes.events.indexOf('start build')).toBeGreaterThan(fakes.events.indexOf('end land'));
  });

  it('replays a recorded run unchanged after the pipeline’s config changed: the plan travels in the input', async () => {
    const before = configFor('replay', [{ name: 'dag', steps: dagSteps }]);
    const fakes = sqlActivities();
    const options = pipelineRunStartOptions(before, 'dag', interval);
    const history = await withPipelineWorkers(env, 'replay', fakes.activities, async () => {
      await env.client.workflow.execute(pipelineRun, options);
      return env.client.workflow.getHandle(options.workflowId).fetchHistory();
    });
    if (process.env.RECORD_HISTORIES === '1')
      writeFileSync(join(HISTORIES_DIR, 'pipelineRun.fan-out-join.json'), historyToJSON(history));
    // The YAML changes: a step goes, another comes, the join moves.
    const after = configFor('replay', [
      { name: 'dag', steps: [sql('load'), sql('left', ['load']), sql('extra', ['left']), sql('join', ['extra'])] },
    ]);
    expect(pipelineRunInput(after, 'dag').plan).not.toEqual(pipelineRunInput(before, 'dag').plan);
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, 'after-config-change'),
    ).resolves.toBeUndefined();
  });
});

describe('pipelineRun started by a cron Schedule (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
    await addSearchAttributes(env);
  });
  afterAll(() => env?.teardown());

  it('derives its interval from its scheduled time: Monday’s weekday run covers the weekend, across DST', async () => {
    const config = configFor('cron', [
      { name: 'finance', schedule: { cron: '0 6 * * 1-5', timezone: 'America/New_York' }, steps: [sql('build')] },
    ]);
    const options = scheduledPipelineRunStartOptions(config, 'finance');
    const result = await withPipelineWorkers(env, 'cron', sqlActivities().activities, () =>
      env.client.workflow.execute(pipelineRun, {
        ...options,
        workflowId: `${options.workflowId}-2026-03-09T10:00:00Z`,
        typedSearchAttributes: [
          ...options.typedSearchAttributes,
          { key: SCHEDULED_START, value: new Date('2026-03-09T10:00Z') },
        ],
      }),
    );
    expect(result.interval).toEqual({ start: '2026-03-06T11:00:00.000Z', end: '2026-03-09T10:00:00.000Z' });
  });
});
