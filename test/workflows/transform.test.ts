import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { RunHooksInput } from '../../activities/transform';
import { transform } from '../../workflows';
import { builtModel as built } from '../helpers/node-results';
import { openTimeSkipping } from '../helpers/time-skipping';

const modelNode = (id: string) => ({ id, name: id, type: 'model' as const, table: `main.${id}` });

/** A plan of `a → b` and `c` with both run hooks. */
const planWithHooks = () =>
  Promise.resolve({
    manifestFile: 'm.json',
    checksum: 'c',
    nodes: ['a', 'b', 'c'].map(modelNode),
    edges: [['a', 'b']] as Array<[string, string]>,
    runHooks: ['on-run-start' as const, 'on-run-end' as const],
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The transform workflow's scheduling, with fake activities on the time-skipping server. */
describe('transform workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
  });
  afterAll(() => env?.teardown());

  /** Runs transform with a quality run id over fake activities; returns its result. */
  async function runWithRules(workflowId: string, activities: Partial<Activities>, threads?: number) {
    const queues = { workflows: `${workflowId}-workflows`, warehouse: `${workflowId}-warehouse` };
    const wf = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queues.workflows,
      workflowsPath: require.resolve('../../workflows'),
    });
    const acts = await Worker.create({ connection: env.nativeConnection, taskQueue: queues.warehouse, activities });
    const interval = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T04:00:00.000Z' };
    return wf.runUntil(
      acts.runUntil(
        env.client.workflow.execute(transform, {
          workflowId,
          taskQueue: queues.workflows,
          args: [{ steps: { warehouseTaskQueue: queues.warehouse }, interval, qualityRunId: 'q1', threads }],
          workflowExecutionTimeout: '1 minute',
        }),
      ),
    );
  }

  it('waits (never spins) while a model is in its quality check, and starts its children after it', async () => {
    const events: string[] = [];
    const node = (id: string) => ({ id, name: id, type: 'model' as const, table: `marts.${id}` });
    const activities: Partial<Activities> = {
      planTransform: () =>
        Promise.resolve({
          manifestFile: 'target/manifests/c.json',
          checksum: 'c',
          nodes: ['a', 'b', 'c'].map(node),
          edges: [['a', 'c']],
        }),
      async runNode({ nodeId }) {
        events.push(`run ${nodeId}`);
        if (nodeId === 'b') await sleep(1000);
        return built(nodeId);
      },
      listQualityRuleFiles: () => Promise.resolve([{ file: 'a.yml', table: 'marts.a', rules: 1 }]),
      async runQualityRuleFile() {
        await sleep(3000); // longer than a workflow task may take: a busy loop would time the task out
        events.push('checked a');
        return {
          table: 'marts.a',
          checked: 'marts.a',
          rows: 1,
          invalidRows: 0,
          score: 100,
          quarantined: 0,
          results: [],
        };
      },
    };
    const result = await runWithRules('tr-quality-wait', activities, 2);
    expect(result.failed).toBe(0);
    expect(result.models.map((m) => [m.model, m.status])).toEqual([
      ['a', 'success'],
      ['b', 'success'],
      ['c', 'success'],
    ]);
    expect(events.indexOf('run c')).toBeGreaterThan(events.indexOf('checked a'));
    const history = await env.client.workflow.getHandle('tr-quality-wait').fetchHistory();
    const failedTasks = (history.events ?? []).filter(
      (e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes,
    );
    expect(failedTasks).toEqual([]);
  }, 60_000);

  it('runs the quality checks of two tables whose rules read each other (no mutual wait)', async () => {
    const node = (id: string) => ({ id, name: id, type: 'model' as const, table: `marts.${id}` });
    const activities: Partial<Activities> = {
      planTransform: () =>
        Promise.resolve({ manifestFile: 'm.json', checksum: 'c', nodes: ['a', 'b'].map(node), edges: [] }),
      runNode: ({ nodeId }) => Promise.resolve(built(nodeId)),
      listQualityRuleFiles: () =>
        Promise.resolve([
          { file: 'a.yml', table: 'marts.a', rules: 1, reads: ['marts.b'] },
          { file: 'b.yml', table: 'marts.b', rules: 1, reads: ['marts.a'] },
        ]),
      runQualityRuleFile: ({ file }) =>
        Promise.resolve({
          table: file,
          checked: file,
          rows: 1,
          invalidRows: 0,
          score: 100,
          quarantined: 0,
          results: [],
        }),
    };
    const result = await runWithRules('tr-mutual-reads', activities);
    expect(result.models.map((m) => m.status)).toEqual(['success', 'success']);
  }, 60_000);

  it('labels each runNode activity with its node, so the Web UI timeline reads like the DAG', async () => {
    const activities: Partial<Activities> = {
      planTransform: () =>
        Promise.resolve({
          manifestFile: 'm.json',
          checksum: 'c',
          nodes: [
            {
              ...modelNode('stg_claims'),
              tests: [
                { id: 't1', name: 'not_null' },
                { id: 't2', name: 'unique' },
              ],
            },
            { id: 'seed.p.plans', name: 'plans', type: 'seed' as const },
          ],
          edges: [],
        }),
      runNode: ({ nodeId, tests }) =>
        Promise.resolve({
          ...built(nodeId),
          tests: tests?.map((id) => ({ id, name: id, type: 'test' as const, status: 'success' as const })),
        }),
      listQualityRuleFiles: () => Promise.resolve([]),
    };
    await runWithRules('tr-summaries', activities);
    const history = await env.client.workflow.getHandle('tr-summaries').fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runNode')
      .map((e) => e.userMetadata?.summary && defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary));
    expect(summaries.sort()).toEqual(['model stg_claims → main.stg_claims + 2 tests', 'seed plans']);
  }, 60_000);

  it('skips a model whose unit test fails, as dbt build does', async () => {
    const ran: string[] = [];
    const unit = { id: 'unit_test.p.a.t', name: 'a::t', type: 'unit_test' as const };
    const activities: Partial<Activities> = {
      planTransform: () =>
        Promise.resolve({
          manifestFile: 'm.json',
          checksum: 'c',
          nodes: [unit, { id: 'a', name: 'a', type: 'model' as const, table: 'marts.a' }],
          edges: [[unit.id, 'a']],
        }),
      runNode({ nodeId }) {
        ran.push(nodeId);
        if (nodeId === unit.id) {
          return Promise.resolve({ ...unit, status: 'fail' as const, rows: 1, message: 'actual differs' });
        }
        return Promise.resolve(built(nodeId));
      },
      listQualityRuleFiles: () => Promise.resolve([]),
    };
    const result = await runWithRules('tr-unit-test-fails', activities);
    expect(ran).toEqual([unit.id]);
    expect(result.models.map((m) => `${m.type} ${m.model} ${m.status}`)).toEqual([
      'unit_test a::t fail',
      'model a skipped',
    ]);
    expect(result.failed).toBe(1);
  }, 60_000);

  it('runs on-run-start before every node and on-run-end after them all, even when a node failed', async () => {
    const events: string[] = [];
    const hookInputs: RunHooksInput[] = [];
    const result = await runWithRules('tr-run-hooks', {
      listQualityRuleFiles: () => Promise.resolve([]),
      planTransform: planWithHooks,
      runProjectHooks(input) {
        events.push(input.kind);
        hookInputs.push(input);
        return Promise.resolve({ hooks: 1, ms: 1 });
      },
      runNode({ nodeId }) {
        events.push(nodeId);
        if (nodeId === 'a') throw ApplicationFailure.nonRetryable('a broke', 'EdpBadSql');
        return Promise.resolve({ id: nodeId, name: nodeId, type: 'model', status: 'success', rows: 1 });
      },
    });
    expect(events[0]).toBe('on-run-start');
    expect(events.at(-1)).toBe('on-run-end');
    expect(events.slice(1, -1).sort()).toEqual(['a', 'c']);
    expect(hookInputs[0].nodeIds).toEqual(['a', 'b', 'c']);
    expect(hookInputs[1].results).toEqual([
      { id: 'a', status: 'error', error: 'a broke', durationMs: expect.any(Number) },
      { id: 'b', status: 'skipped', error: 'an upstream node failed' },
      { id: 'c', status: 'success', rows: 1, durationMs: expect.any(Number) },
    ]);
    expect(result.hooks).toEqual([
      { kind: 'on-run-start', status: 'success', hooks: 1, durationMs: 1 },
      { kind: 'on-run-end', status: 'success', hooks: 1, durationMs: 1 },
    ]);
    expect(result.failed).toBe(1);
  }, 60_000);

  it('skips every node when on-run-start fails, still runs on-run-end, and counts the failure', async () => {
    const events: string[] = [];
    const result = await runWithRules('tr-run-start-fails', {
      listQualityRuleFiles: () => Promise.resolve([]),
      planTransform: planWithHooks,
      runProjectHooks({ kind }) {
        events.push(kind);
        if (kind === 'on-run-start') throw ApplicationFailure.nonRetryable('no such schema', 'EdpBadSql');
        return Promise.resolve({ hooks: 1, ms: 1 });
      },
      runNode({ nodeId }) {
        events.push(nodeId);
        return Promise.resolve({ id: nodeId, name: nodeId, type: 'model', status: 'success', rows: 1 });
      },
    });
    expect(events).toEqual(['on-run-start', 'on-run-end']);
    expect(result.models.map((m) => `${m.id}:${m.status}:${m.error}`)).toEqual([
      'a:skipped:on-run-start failed',
      'b:skipped:on-run-start failed',
      'c:skipped:on-run-start failed',
    ]);
    expect(result.hooks?.map((h) => `${h.kind}:${h.status}:${h.error ?? ''}`)).toEqual([
      'on-run-start:error:no such schema',
      'on-run-end:success:',
    ]);
    expect(result.failed).toBe(1);
  }, 60_000);

  it('schedules no hook step for a plan without run hooks (so histories from before them replay)', async () => {
    const events: string[] = [];
    const result = await runWithRules('tr-no-run-hooks', {
      listQualityRuleFiles: () => Promise.resolve([]),
      planTransform: () =>
        Promise.resolve({ manifestFile: 'm.json', checksum: 'c', nodes: [modelNode('a')], edges: [] }),
      runProjectHooks({ kind }) {
        events.push(kind);
        return Promise.resolve({ hooks: 0, ms: 0 });
      },
      runNode: ({ nodeId }) => Promise.resolve({ id: nodeId, name: nodeId, type: 'model', status: 'success', rows: 1 }),
    });
    expect(events).toEqual([]);
    expect(result.hooks).toBeUndefined();
  }, 60_000);
});
