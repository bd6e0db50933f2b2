import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { NodeRunResult } from '../../activities/transform';
import { transform } from '../../workflows';
import type { ModelOutcome } from '../../workflows/transform';
import { testRuntimeLogger, testTelemetry } from '../helpers/sdk-logger';
import { testServices } from '../setup/test-services';

const node = (id: string) => ({ id, name: id, type: 'model' as const, table: `main.${id}` });

/** a → b → d, a → c, c → d, e alone; c's test fails so d is skipped; e's activity throws. */
const activities: Partial<Activities> = {
  planTransform: () =>
    Promise.resolve({
      manifestFile: 'm.json',
      checksum: 'c',
      nodes: [{ ...node('c'), tests: [{ id: 'tc', name: 'tc' }] }, ...['a', 'b', 'd', 'e'].map(node)],
      edges: [
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'd'],
        ['c', 'd'],
      ] as Array<[string, string]>,
    }),
  runNode({ nodeId }): Promise<NodeRunResult> {
    if (nodeId === 'e') return Promise.reject(new Error('e broke'));
    const tests =
      nodeId === 'c' ? [{ id: 'tc', name: 'tc', type: 'test' as const, status: 'fail' as const, rows: 2 }] : undefined;
    return Promise.resolve({ ...node(nodeId), status: 'success', rows: 1, ms: 1, tests });
  },
};

const T = proto.api.enums.v1.EventType;

/**
 * The dev server the platform starts (infra/temporal.ts) hands a node's activity to the worker in the reply
 * to the workflow task that scheduled it (eager dispatch) when that worker serves the activity's queue, and
 * the transform's outcomes are the same as when every activity goes through a separate queue.
 */
describe('transform with eager activity dispatch (dev server)', () => {
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    Runtime.install({ logger: testRuntimeLogger(), telemetryOptions: testTelemetry() });
    const address = testServices().temporalAddress;
    nativeConnection = await NativeConnection.connect({ address });
    connection = await Connection.connect({ address });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await nativeConnection?.close();
    await connection?.close();
  });

  /** Runs the transform with its activities on `activityQueue`; returns outcomes and the history's events. */
  async function run(workflowId: string, workflowQueue: string, activityQueue: string) {
    const workers = [
      await Worker.create({
        connection: nativeConnection,
        taskQueue: workflowQueue,
        workflowsPath: require.resolve('../../workflows'),
        ...(activityQueue === workflowQueue ? { activities } : {}),
      }),
      ...(activityQueue === workflowQueue
        ? []
        : [await Worker.create({ connection: nativeConnection, taskQueue: activityQueue, activities })]),
    ];
    const runAll = (w: Worker[], p: Promise<unknown>): Promise<unknown> =>
      w.length === 0 ? p : w[0].runUntil(runAll(w.slice(1), p));
    const result = (await runAll(
      workers,
      client.workflow.execute(transform, {
        workflowId,
        taskQueue: workflowQueue,
        args: [{ steps: { warehouseTaskQueue: activityQueue, maximumAttempts: 1 } }],
        workflowExecutionTimeout: '1 minute',
      }),
    )) as Awaited<ReturnType<typeof transform>>;
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    return { result, events };
  }

  /**
   * Per activity, whether it started eagerly: the server records that start with the workflow task's reply,
   * tens of microseconds after scheduling it; a polled start comes after a commit and a matching round trip.
   */
  const eagerStarts = (events: proto.api.history.v1.IHistoryEvent[]) => {
    const at = (e: proto.api.history.v1.IHistoryEvent) =>
      Number(e.eventTime?.seconds?.toString()) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
    const scheduled = new Map(
      events.filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => [String(e.eventId), at(e)]),
    );
    return events
      .filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED)
      .map((e) => at(e) - scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId))! < 0.5);
  };

  const comparable = (models: ModelOutcome[]) => models.map(({ durationMs: _, ...m }) => m);

  it('starts the nodes eagerly on a shared queue, with the outcomes of separate queues', async () => {
    const stamp = Date.now();
    const split = await run(`eager-split-${stamp}`, `eager-split-${stamp}-wf`, `eager-split-${stamp}-act`);
    const shared = await run(`eager-shared-${stamp}`, `eager-shared-${stamp}`, `eager-shared-${stamp}`);

    expect(comparable(shared.result.models)).toEqual(comparable(split.result.models));
    expect(shared.result.failed).toBe(split.result.failed);
    expect(comparable(shared.result.models)).toEqual([
      { model: 'a', id: 'a', type: 'model', status: 'success', rows: 1 },
      { model: 'b', id: 'b', type: 'model', status: 'success', rows: 1 },
      { model: 'c', id: 'c', type: 'model', status: 'success', rows: 1 },
      { model: 'tc', id: 'tc', type: 'test', status: 'fail', rows: 2 },
      { model: 'd', id: 'd', type: 'model', status: 'skipped', error: 'an upstream node failed' },
      expect.objectContaining({ model: 'e', id: 'e', status: 'error', error: 'e broke', retriesExhausted: true }),
    ]);
    // Separate queues: every activity waits for a poll. Shared: the nodes (not the plan, the first activity) start eagerly.
    expect(eagerStarts(split.events).every((eager) => !eager)).toBe(true);
    const sharedStarts = eagerStarts(shared.events);
    expect(sharedStarts.filter((eager) => eager).length).toBeGreaterThanOrEqual(sharedStarts.length - 1);
  });
});
