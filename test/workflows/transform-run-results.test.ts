import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activities } from '../../activities';
import type { NodeRunResult, StoreRunResultsInput } from '../../activities/transform';
import { transform, type TransformResult } from '../../workflows/transform';
import { HISTORIES_DIR } from '../helpers/histories';
import { builtModel as built } from '../helpers/node-results';
import { openTimeSkipping } from '../helpers/time-skipping';

/** A plan of model `a` (with test `t_a`) → model `b`. */
const plan = () =>
  Promise.resolve({
    manifestFile: 'm.json',
    checksum: 'c',
    nodes: [
      { id: 'a', name: 'a', type: 'model' as const, table: 'marts.a', tests: [{ id: 't_a', name: 't_a' }] },
      { id: 'b', name: 'b', type: 'model' as const, table: 'marts.b' },
    ],
    edges: [['a', 'b']] as Array<[string, string]>,
  });

const timing = [
  { name: 'compile' as const, startedAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:01.000Z' },
  { name: 'execute' as const, startedAt: '2026-01-01T00:00:01.000Z', completedAt: '2026-01-01T00:00:02.000Z' },
];

/** `a` built with its test failing 2 rows, so `b` is skipped. */
const runNode = ({ nodeId }: { nodeId: string }): Promise<NodeRunResult> =>
  Promise.resolve({
    ...built(nodeId),
    timing,
    tests: [{ id: 't_a', name: 't_a', type: 'test', status: 'fail', rows: 2, message: '2 failing rows', timing }],
  });

/** run_results.json written by the transform run itself, at its end (time-skipping server, fake activities). */
describe('transform workflow: run_results.json at the end of the run', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
  });
  afterAll(() => env?.teardown());

  async function run(id: string, activities: Partial<Activities>): Promise<TransformResult> {
    const q = { workflows: `${id}-workflows`, warehouse: `${id}-warehouse` };
    const wf = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: q.workflows,
      workflowsPath: require.resolve('../../workflows'),
    });
    const acts = await Worker.create({ connection: env.nativeConnection, taskQueue: q.warehouse, activities });
    const result = await wf.runUntil(
      acts.runUntil(
        env.client.workflow.execute(transform, {
          workflowId: id,
          taskQueue: q.workflows,
          args: [{ steps: { warehouseTaskQueue: q.warehouse }, command: 'build', select: ['a+'], threads: 2 }],
          workflowExecutionTimeout: '1 minute',
        }),
      ),
    );
    // The replay fixture of the patched path (test/replay), re-recorded with RECORD_HISTORIES=1 as the others are.
    if (process.env.RECORD_HISTORIES === '1' && id === 'tr-run-results') {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      writeFileSync(join(HISTORIES_DIR, 'transform.run-results.json'), historyToJSON(history));
    }
    return result;
  }

  it('hands every outcome, with its timing, to storeRunResults once the nodes have ended, and reports where it wrote', async () => {
    const stored: StoreRunResultsInput[] = [];
    const result = await run('tr-run-results', {
      planTransform: plan,
      runNode,
      storeRunResults: (input) => {
        stored.push(input);
        return Promise.resolve({ file: '/p/target/run_results.json' });
      },
    });
    expect(result.runResults).toEqual({ file: '/p/target/run_results.json' });
    expect(stored).toHaveLength(1);
    const [s] = stored;
    expect(s).toMatchObject({
      manifestFile: 'm.json',
      checksum: 'c',
      workflowId: 'tr-run-results',
      command: 'build',
      args: { select: ['a+'], exclude: [], full_refresh: false },
    });
    expect(s.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(s.finishedAt)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
    expect(s.nodes.map((n) => [n.id, n.type, n.status, n.rows])).toEqual([
      ['a', 'model', 'success', 1],
      ['t_a', 'test', 'fail', 2],
      ['b', 'model', 'skipped', undefined],
    ]);
    expect(s.nodes[0].timing).toEqual(timing);
    expect(s.nodes[1].timing).toEqual(timing);
  }, 60_000);

  it('finishes the run as it was when run_results.json cannot be written, or the worker has no such activity', async () => {
    let attempts = 0;
    const failing = await run('tr-run-results-fails', {
      planTransform: plan,
      runNode,
      storeRunResults: () => {
        attempts++;
        return Promise.reject(new Error('EACCES: permission denied'));
      },
    });
    const missing = await run('tr-run-results-missing', { planTransform: plan, runNode });
    for (const r of [failing, missing]) {
      expect(r.runResults).toBeUndefined();
      expect(r.failed).toBe(1);
      expect(r.models.map((m) => m.status)).toEqual(['success', 'fail', 'skipped']);
    }
    expect(attempts).toBe(3);
  }, 60_000);
});
