import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { RunHooksInput } from '../../activities/transform';
import { transform } from '../../workflows';
import { openTimeSkipping } from '../helpers/time-skipping';

const node = (id: string) => ({ id, name: id, type: 'model' as const, table: `main.${id}` });

/** A plan of `a → b` and `c` with both run hooks. */
const planWithHooks = () =>
  Promise.resolve({
    manifestFile: 'm.json',
    checksum: 'c',
    nodes: ['a', 'b', 'c'].map(node),
    edges: [['a', 'b']] as Array<[string, string]>,
    runHooks: ['on-run-start' as const, 'on-run-end' as const],
  });

/** The transform workflow's run hooks, with fake activities on the time-skipping server. */
describe('transform workflow: on-run-start and on-run-end (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
  });
  afterAll(() => env?.teardown());

  async function run(workflowId: string, activities: Partial<Activities>) {
    const queues = { workflows: `${workflowId}-workflows`, warehouse: `${workflowId}-warehouse` };
    const wf = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queues.workflows,
      workflowsPath: require.resolve('../../workflows'),
    });
    const acts = await Worker.create({ connection: env.nativeConnection, taskQueue: queues.warehouse, activities });
    return wf.runUntil(
      acts.runUntil(
        env.client.workflow.execute(transform, {
          workflowId,
          taskQueue: queues.workflows,
          args: [{ steps: { warehouseTaskQueue: queues.warehouse, maximumAttempts: 1 } }],
          workflowExecutionTimeout: '1 minute',
        }),
      ),
    );
  }

  it('runs on-run-start before every node and on-run-end after them all, even when a node failed', async () => {
    const events: string[] = [];
    const hookInputs: RunHooksInput[] = [];
    const result = await run('tr-run-hooks', {
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
    const result = await run('tr-run-start-fails', {
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
    const result = await run('tr-no-run-hooks', {
      planTransform: () => Promise.resolve({ manifestFile: 'm.json', checksum: 'c', nodes: [node('a')], edges: [] }),
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
