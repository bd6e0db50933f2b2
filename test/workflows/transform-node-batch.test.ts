import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activities } from '../../activities';
import type { PlanInput, RunNodeInput, RunNodesInput } from '../../activities/transform';
import { runBatch } from '../../activities/transform/node-batch';
import type { StoreRunResultsInput } from '../../activities/transform/artifacts-run-results';
import { nodeRunsOf, payloadDecoder } from '../../cli/transform-node-runs';
import { transform, type TransformInput } from '../../workflows/transform';
import { HISTORIES_DIR } from '../helpers/histories';
import { builtModel as built } from '../helpers/node-results';
import { timeSkippingSuite } from '../helpers/time-skipping';

/**
 * Views a → b → d(table), c → e, and table t: the views may share an activity, the tables run alone. `b`
 * carries a test of its own (run in its activity, after it).
 */
function planOf(input: PlanInput) {
  const batch = new Set(input.batchMaterializations ?? []);
  const node = (id: string, materialized: string) => ({
    id,
    name: id,
    type: 'model' as const,
    table: `marts.${id}`,
    ...(id === 'b' ? { tests: [{ id: 'test.b_unique', name: 'b_unique' }] } : {}),
    ...(batch.has(materialized) ? { batch: true as const } : {}),
  });
  return Promise.resolve({
    manifestFile: 'm.json',
    checksum: 'c',
    nodes: [
      node('a', 'view'),
      node('b', 'view'),
      node('c', 'view'),
      node('d', 'table'),
      node('e', 'view'),
      node('t', 'table'),
    ],
    edges: [
      ['a', 'b'],
      ['b', 'd'],
      ['c', 'e'],
    ] as Array<[string, string]>,
  });
}

/** A node's runNode result as the fakes build it: `b` with its passing test. */
const result = (input: Pick<RunNodeInput, 'nodeId' | 'tests'>) => ({
  ...built(input.nodeId),
  ms: 5,
  ...(input.tests?.length
    ? { tests: input.tests.map((id) => ({ id, name: 'b_unique', type: 'test' as const, status: 'success' as const })) }
    : {}),
});

/** A fake runNode that records each node it builds in `builds` and fails `failing` as bad SQL. */
const alone =
  (builds: string[], failing?: string): Activities['runNode'] =>
  (input) => {
    builds.push(`alone ${input.nodeId}`);
    if (input.nodeId === failing)
      return Promise.reject(ApplicationFailure.nonRetryable(`bad SQL in ${failing}`, 'EdpBadSql'));
    return Promise.resolve(result(input));
  };

/** Several dbt nodes to one activity (transform.batchNodes), on the time-skipping server. */
describe('transform workflow: node batches (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  /** Runs a transform (threads 1, batches of up to 8 views) over fake activities; returns its result and history. */
  async function run(id: string, activities: Partial<Activities>, steps: Partial<TransformInput['steps']> = {}) {
    const q = { workflows: `${id}-workflows`, warehouse: `${id}-warehouse` };
    const wf = await Worker.create({
      connection: suite.env.nativeConnection,
      taskQueue: q.workflows,
      workflowBundle: suite.workflowBundle,
    });
    const acts = await Worker.create({
      connection: suite.env.nativeConnection,
      taskQueue: q.warehouse,
      activities: { storeRunResults: () => Promise.resolve({}), ...activities },
    });
    const input: TransformInput = {
      steps: { warehouseTaskQueue: q.warehouse, batchNodes: 8, batchMaterializations: ['view'], ...steps },
      threads: 1,
    };
    const out = await wf.runUntil(
      acts.runUntil(
        suite.env.client.workflow.execute(transform, {
          workflowId: id,
          taskQueue: q.workflows,
          args: [input],
          workflowExecutionTimeout: '1 minute',
        }),
      ),
    );
    const history = await suite.env.client.workflow.getHandle(id).fetchHistory();
    // The replay fixture of the patched path (test/replay), re-recorded with RECORD_HISTORIES=1 as the others are.
    if (process.env.RECORD_HISTORIES === '1' && id === 'tr-batch-fails')
      writeFileSync(join(HISTORIES_DIR, 'transform.node-batch.json'), historyToJSON(history));
    return { result: out, events: history.events ?? [] };
  }

  /** What each activity of the history was scheduled as: its type, and its nodes. */
  async function scheduled(events: Awaited<ReturnType<typeof run>>['events']) {
    return (await nodeRunsOf(events, payloadDecoder(suite.env.client))).map((r) => [r.eventId, r.nodeId, r.summary]);
  }

  it('runs ready views (a chain among them) in one activity; a failing view skips only its descendants', async () => {
    const builds: string[] = [];
    const stored: StoreRunResultsInput[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: alone(builds),
      // The real batch loop over a fake build: `a` is bad SQL.
      runNodes: (input: RunNodesInput) =>
        runBatch(input, (node) => {
          builds.push(`batch ${node.nodeId}`);
          if (node.nodeId === 'a')
            return Promise.reject(ApplicationFailure.nonRetryable('model a (models/a.sql): bad SQL', 'EdpBadSql'));
          return Promise.resolve(result(node));
        }),
      storeRunResults: (input: StoreRunResultsInput) => {
        stored.push(input);
        return Promise.resolve({ file: 'target/run_results.json' });
      },
    };
    const { result: r, events } = await run('tr-batch-fails', activities);
    // a, b (a's child, joins its batch), c, e (c's child): one activity; b never runs, its test neither.
    expect(builds).toEqual(['batch a', 'batch c', 'batch e', 'alone t']);
    const status = Object.fromEntries(r.models.map((m) => [m.id, [m.status, m.errorType, m.error]]));
    expect(status).toEqual({
      a: ['error', 'EdpBadSql', 'model a (models/a.sql): bad SQL'],
      b: ['skipped', undefined, 'an upstream node failed'],
      'test.b_unique': ['skipped', undefined, 'an upstream node failed'],
      c: ['success', undefined, undefined],
      e: ['success', undefined, undefined],
      d: ['skipped', undefined, 'an upstream node failed'],
      t: ['success', undefined, undefined],
    });
    expect(r.failed).toBe(1);
    // run_results.json gets every node, each with its own status and time.
    expect(stored).toHaveLength(1);
    expect(stored[0].nodes.map((n) => [n.id, n.status, n.durationMs])).toEqual(
      r.models.map((m) => [m.id, m.status, m.durationMs]),
    );
    expect(r.models.find((m) => m.id === 'c')?.durationMs).toBe(5);
    // The Web UI shows one activity for the batch, its summary naming every node in it.
    const runs = await scheduled(events);
    const batchEvent = runs[0][0];
    expect(runs.filter((x) => x[0] === batchEvent)).toEqual(
      ['a', 'b', 'c', 'e'].map((n) => [batchEvent, n, '4 nodes: model a, model b + 1 test, model c, model e']),
    );
    expect(runs.filter((x) => x[0] !== batchEvent).map((x) => x[1])).toEqual(['t']);
  }, 60_000);

  it('retries a batch after a transient failure without rebuilding the nodes the failed attempt finished', async () => {
    const builds: string[] = [];
    let attempt = 0;
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: alone(builds),
      runNodes: async (input: RunNodesInput) => {
        attempt++;
        return runBatch(input, async (node) => {
          builds.push(`attempt ${attempt}: ${node.nodeId}`);
          // Long enough for the heartbeat that records a and b to reach the server before c fails.
          if (attempt === 1 && node.nodeId === 'c') {
            await new Promise((r) => setTimeout(r, 1500));
            throw new Error('connection reset while building c');
          }
          return result(node);
        });
      },
    };
    const { result: r } = await run('tr-batch-retry', activities, {
      heartbeatSeconds: 5,
      retries: { transform: { initialSeconds: 1, maxAttempts: 3 } },
    });
    expect(r.failed).toBe(0);
    expect(r.models.every((m) => m.status === 'success')).toBe(true);
    expect(builds).toEqual([
      'attempt 1: a',
      'attempt 1: b',
      'attempt 1: c',
      'attempt 2: c',
      'attempt 2: e',
      'alone d',
      'alone t',
    ]);
  }, 60_000);

  it('runs the nodes of a batch that failed as a whole one by one, so a failure lands on its own node', async () => {
    const builds: string[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: alone(builds, 'c'),
      runNodes: () => Promise.reject(new Error('worker lost')),
    };
    const { result: r } = await run('tr-batch-fallback', activities, {
      retries: { transform: { initialSeconds: 1, maxAttempts: 2 } },
    });
    expect(builds).toEqual(['alone a', 'alone b', 'alone c', 'alone d', 'alone t']);
    expect(r.models.map((m) => [m.id, m.status])).toEqual([
      ['a', 'success'],
      ['b', 'success'],
      ['test.b_unique', 'success'],
      ['c', 'error'],
      ['d', 'success'],
      ['e', 'skipped'],
      ['t', 'success'],
    ]);
  }, 60_000);

  it('runs one activity per node when batchNodes is 1 (the default)', async () => {
    const builds: string[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: alone(builds),
    };
    const { result: r } = await run('tr-batch-off', activities, { batchNodes: 1 });
    expect(r.failed).toBe(0);
    expect(builds.sort()).toEqual(['alone a', 'alone b', 'alone c', 'alone d', 'alone e', 'alone t']);
  }, 60_000);
});
