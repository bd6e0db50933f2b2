import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import type { Activities } from '../../activities';
import type { PlanInput, RunNodeInput } from '../../activities/transform';
import { nodeRunsOf, payloadDecoder, summaryNames } from '../../cli/transform-node-runs';
import { workflowWorkerActivities } from '../../workers/local-nodes';
import { transform, type TransformInput } from '../../workflows/transform';
import { RUN_RESULTS_PATCH } from '../../workflows/transform-run-results';
import { HISTORIES_DIR } from '../helpers/histories';
import { builtModel as built } from '../helpers/node-results';
import { timeSkippingSuite } from '../helpers/time-skipping';

const T = proto.api.enums.v1.EventType;

/** A plan of view `v` → table `t` → view `w`, marking as local the nodes whose materialization the input names. */
function planOf(input: PlanInput) {
  const local = new Set(input.localMaterializations ?? []);
  const node = (id: string, materialized: string) => ({
    id,
    name: id,
    type: 'model' as const,
    table: `marts.${id}`,
    ...(local.has(materialized) ? { local: true as const } : {}),
  });
  return Promise.resolve({
    manifestFile: 'm.json',
    checksum: 'c',
    nodes: [node('v', 'view'), node('t', 'table'), node('w', 'view')],
    edges: [
      ['v', 't'],
      ['t', 'w'],
    ] as Array<[string, string]>,
  });
}

/** Node ids the history ran as (non-local) runNode activities. */
function activityNodes(events: proto.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name !== 'runNode') return [];
    const json = Buffer.from(s.input!.payloads![0].data!).toString('utf8');
    return [(JSON.parse(json) as RunNodeInput).nodeId];
  });
}

/** The patch id a marker records, if it is a patch marker. */
function patchOf(e: proto.api.history.v1.IHistoryEvent): string | undefined {
  const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }).id : undefined;
}

/** Markers of the history, but that of the run-results patch (every run since it records it at its end). */
const markers = (events: proto.api.history.v1.IHistoryEvent[]) =>
  events.filter((e) => e.eventType === T.EVENT_TYPE_MARKER_RECORDED && patchOf(e) !== RUN_RESULTS_PATCH).length;

/** Short dbt nodes as local activities in the workflow worker (transform.localNodes), on the time-skipping server. */
describe('transform workflow: local nodes (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  const queuesOf = (id: string) => ({ workflows: `${id}-workflows`, warehouse: `${id}-warehouse` });
  const inputOf = (warehouse: string, steps: Partial<TransformInput['steps']> = {}): TransformInput => ({
    steps: { warehouseTaskQueue: warehouse, localNodes: ['view'], ...steps },
    threads: 2,
  });

  /** Runs a transform with `wfActivities` on the workflow worker and `activities` on the warehouse queue. */
  async function run(
    id: string,
    wfActivities: Parameters<typeof workflowWorkerActivities>[0],
    activities: Partial<Activities>,
    steps: Partial<TransformInput['steps']> = {},
  ) {
    const q = queuesOf(id);
    const wf = await Worker.create({
      connection: suite.env.nativeConnection,
      taskQueue: q.workflows,
      workflowBundle: suite.workflowBundle,
      ...workflowWorkerActivities(wfActivities, false),
    });
    const acts = await Worker.create({ connection: suite.env.nativeConnection, taskQueue: q.warehouse, activities });
    const result = await wf.runUntil(
      acts.runUntil(
        suite.env.client.workflow.execute(transform, {
          workflowId: id,
          taskQueue: q.workflows,
          args: [inputOf(q.warehouse, steps)],
          workflowExecutionTimeout: '1 minute',
        }),
      ),
    );
    const history = await suite.env.client.workflow.getHandle(id).fetchHistory();
    // The replay fixtures of the patched paths (test/replay), re-recorded with RECORD_HISTORIES=1 as the others are.
    const fixture = { 'tr-local-views': 'local-nodes', 'tr-local-gate': 'local-gate' }[id];
    if (process.env.RECORD_HISTORIES === '1' && fixture)
      writeFileSync(join(HISTORIES_DIR, `transform.${fixture}.json`), historyToJSON(history));
    return { result, events: history.events ?? [] };
  }

  it('runs the views as local activities in the workflow worker and the table as an activity', async () => {
    const ranOn: string[] = [];
    const on = (where: string): Partial<Activities> => ({
      planTransform: planOf,
      runNode: ({ nodeId }) => {
        ranOn.push(`${nodeId}@${where}`);
        return Promise.resolve(built(nodeId));
      },
    });
    const { result, events } = await run('tr-local-views', on('workflow worker'), on('warehouse worker'));
    expect(result.failed).toBe(0);
    expect(result.models.map((m) => [m.model, m.status])).toEqual([
      ['v', 'success'],
      ['t', 'success'],
      ['w', 'success'],
    ]);
    expect(ranOn).toEqual(['v@workflow worker', 't@warehouse worker', 'w@workflow worker']);
    expect(activityNodes(events)).toEqual(['t']);
    // The two patch markers (local nodes, their gate), the worker's answer that it has the activities, and one
    // result marker per view.
    expect(markers(events)).toBe(5);
  }, 60_000);

  it('runs every node as an activity when the workflow worker has no transform activities (role workflows)', async () => {
    const plans: PlanInput[] = [];
    const activities: Partial<Activities> = {
      planTransform: (input = {}) => {
        plans.push(input);
        return planOf(input);
      },
      runNode: ({ nodeId }) => Promise.resolve(built(nodeId)),
    };
    const { result, events } = await run('tr-local-none', undefined, activities);
    expect(result.failed).toBe(0);
    expect(activityNodes(events)).toEqual(['v', 't', 'w']);
    expect(plans.map((p) => p.localMaterializations)).toEqual([undefined]);
  }, 60_000);

  it('retries a local node that failed (as after a crash) under the transform retry policy, with the same input', async () => {
    const calls: RunNodeInput[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: (input) => {
        calls.push(input);
        if (input.nodeId === 'v' && calls.filter((c) => c.nodeId === 'v').length === 1)
          return Promise.reject(new Error('connection reset while building v'));
        return Promise.resolve(built(input.nodeId));
      },
    };
    const { result } = await run('tr-local-retry', activities, activities, {
      retries: { transform: { initialSeconds: 1, maxAttempts: 3 } },
    });
    expect(result.failed).toBe(0);
    const vs = calls.filter((c) => c.nodeId === 'v');
    expect(vs).toHaveLength(2);
    // The same invocation and node on the rerun: the node's markers and row lock are keyed by these.
    expect(vs[1]).toEqual(vs[0]);
  }, 60_000);

  it('fails a local node at once on a classified (non-retryable) error and skips its descendants', async () => {
    const calls: string[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: ({ nodeId }) => {
        calls.push(nodeId);
        if (nodeId === 'v') return Promise.reject(ApplicationFailure.nonRetryable('bad SQL in v', 'EdpBadSql'));
        return Promise.resolve(built(nodeId));
      },
    };
    const { result } = await run('tr-local-classified', activities, activities, {
      retries: { transform: { initialSeconds: 1, maxAttempts: 5 } },
    });
    expect(calls).toEqual(['v']);
    expect(result.models.map((m) => [m.model, m.status, m.errorType])).toEqual([
      ['v', 'error', 'EdpBadSql'],
      ['t', 'skipped', undefined],
      ['w', 'skipped', undefined],
    ]);
  }, 60_000);

  it('fails the workflow task (not the node) on a worker that cannot run a local node, and finishes on one that can', async () => {
    const id = 'tr-local-moved';
    const q = queuesOf(id);
    const ran: string[] = [];
    const activities: Partial<Activities> = {
      planTransform: planOf,
      runNode: ({ nodeId }) => {
        ran.push(nodeId);
        return Promise.resolve(built(nodeId));
      },
    };
    const acts = await Worker.create({ connection: suite.env.nativeConnection, taskQueue: q.warehouse, activities });
    const handle = await suite.env.client.workflow.start(transform, {
      workflowId: id,
      taskQueue: q.workflows,
      args: [inputOf(q.warehouse)],
      workflowExecutionTimeout: '1 minute',
    });
    const failedTasks = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    // A worker whose runs recorded that they can run nodes here, but that has no runNode: as when a run moves
    // from a worker with the transform activities to one without them.
    const without = await Worker.create({
      connection: suite.env.nativeConnection,
      taskQueue: q.workflows,
      workflowBundle: suite.workflowBundle,
      activities: { localNodesHere: () => Promise.resolve(true) },
      enableNonLocalActivities: false,
    });
    const result = await acts.runUntil(async () => {
      await without.runUntil(async () => {
        while ((await failedTasks()).length === 0) await new Promise((r) => setTimeout(r, 100));
      });
      const [failed] = await failedTasks();
      expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/runNode.*not registered/);
      expect(ran).toEqual([]);
      const able = await Worker.create({
        connection: suite.env.nativeConnection,
        taskQueue: q.workflows,
        workflowBundle: suite.workflowBundle,
        ...workflowWorkerActivities(activities, false),
      });
      return able.runUntil(handle.result());
    });
    expect(result.failed).toBe(0);
    expect(result.models.map((m) => m.status)).toEqual(['success', 'success', 'success']);
    expect(ran).toEqual(['v', 't', 'w']);
  }, 60_000);
  it('reads the local nodes of a history as node runs: by their result, or by their label when they failed', async () => {
    const ok: Partial<Activities> = { planTransform: planOf, runNode: ({ nodeId }) => Promise.resolve(built(nodeId)) };
    const { events } = await run('tr-local-runs', ok, ok);
    const runs = await nodeRunsOf(events, payloadDecoder(suite.env.client));
    expect(runs.map((r) => [r.nodeId, r.local, r.completed, r.attempts])).toEqual([
      ['v', true, true, [1]],
      ['t', false, true, [1]],
      ['w', true, true, [1]],
    ]);
    // The event the console links to: the marker of a local node, the scheduled event of an activity.
    const typeOf = (id: number) => events.find((e) => Number(e.eventId) === id)?.eventType;
    expect(runs.map((r) => typeOf(r.eventId))).toEqual([
      T.EVENT_TYPE_MARKER_RECORDED,
      T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      T.EVENT_TYPE_MARKER_RECORDED,
    ]);

    const failing: Partial<Activities> = {
      planTransform: planOf,
      runNode: () => Promise.reject(ApplicationFailure.nonRetryable('bad SQL', 'EdpBadSql')),
    };
    const failed = await nodeRunsOf(
      (await run('tr-local-runs-failed', failing, failing)).events,
      payloadDecoder(suite.env.client),
    );
    expect(failed.map((r) => [r.nodeId, r.local, r.completed, r.summary])).toEqual([
      [undefined, true, false, 'model v → marts.v'],
    ]);
    expect(summaryNames(failed[0].summary, { type: 'model', name: 'v', table: 'marts.v' })).toBe(true);
    expect(summaryNames(failed[0].summary, { type: 'model', name: 'w', table: 'marts.w' })).toBe(false);
  }, 60_000);

  it('sends an activity that becomes ready beside local nodes at once, not after them', async () => {
    // Four views in a chain, 150 ms each, and a table beside them: with the workflow task held open by the
    // views (the SDK completes it only when no local activity runs), the table would start after the last view.
    const views = ['v1', 'v2', 'v3', 'v4'];
    const plan = (input: PlanInput) =>
      Promise.resolve({
        manifestFile: 'm.json',
        checksum: 'c',
        nodes: [
          ...views.map((id) => ({
            id,
            name: id,
            type: 'model' as const,
            table: `marts.${id}`,
            ...(input.localMaterializations?.includes('view') ? { local: true as const } : {}),
          })),
          { id: 't', name: 't', type: 'model' as const, table: 'marts.t' },
        ],
        edges: views.slice(1).map((id, i): [string, string] => [views[i], id]),
      });
    const started: string[] = [];
    const acts: Partial<Activities> = {
      planTransform: plan,
      runNode: async ({ nodeId }) => {
        started.push(nodeId);
        if (nodeId !== 't') await new Promise((r) => setTimeout(r, 150));
        return built(nodeId);
      },
    };
    const { result, events } = await run('tr-local-gate', acts, acts);
    expect(result.failed).toBe(0);
    expect(activityNodes(events)).toEqual(['t']);
    // The table started before the last view did (the views take 450 ms before the last one starts).
    expect(started.indexOf('t')).toBeLessThan(started.indexOf('v4'));
  }, 60_000);
});
