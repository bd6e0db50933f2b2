import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { MonitorFailure, StreamMeasureResult } from '../../activities/streaming';
import { streamingMonitor } from '../../workflows';
import { streamingMonitorLatest } from '../../workflows/streaming-monitor';
import { openTimeSkipping } from '../helpers/time-skipping';

const measured: StreamMeasureResult = {
  checkedAt: '2026-01-01T00:00:00.000Z',
  topics: [],
  breached: [],
  opened: [],
  closed: [],
  alertsSent: 0,
};

/** The monitor's failed-check count and heartbeat loop, with fake activities on the time-skipping server. */
describe('streamingMonitor workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
  });
  afterAll(() => env?.teardown());

  it('counts failed checks in a row (reset by a good one), records each with its class, and beats every N s', async () => {
    const outcomes = ['ok', 'fail', 'fail', 'fail', 'ok', 'fail'];
    const failures: MonitorFailure[] = [];
    let beats = 0;
    const activities: Partial<Activities> = {
      measureStreams: () => {
        const next = outcomes.shift() ?? 'ok';
        if (next === 'ok') return Promise.resolve(measured);
        return Promise.reject(ApplicationFailure.nonRetryable('broker down', 'KafkaJSConnectionError'));
      },
      recordStreamMonitorFailure: (f: MonitorFailure) => {
        failures.push(f);
        return Promise.resolve({ opened: [], alertsSent: 0 });
      },
      writeHeartbeat: () => {
        beats++;
        return Promise.resolve({ source: 'operational', beatAt: new Date().toISOString() });
      },
    };
    const queues = { workflows: 'monitor-test-wf', warehouse: 'monitor-test-wh' };
    const wf = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queues.workflows,
      workflowsPath: require.resolve('../../workflows'),
    });
    const acts = await Worker.create({ connection: env.nativeConnection, taskQueue: queues.warehouse, activities });
    await wf.runUntil(
      acts.runUntil(async () => {
        const handle = await env.client.workflow.start(streamingMonitor, {
          workflowId: 'monitor-test',
          taskQueue: queues.workflows,
          args: [{ steps: { warehouseTaskQueue: queues.warehouse }, everySeconds: 10, heartbeatEverySeconds: 2 }],
        });
        await env.sleep('65s');
        const latest = await handle.query(streamingMonitorLatest);
        await handle.cancel();
        await handle.result().catch(() => undefined);
        expect(failures).toEqual([
          { errorClass: 'KafkaJSConnectionError', failedChecks: 1 },
          { errorClass: 'KafkaJSConnectionError', failedChecks: 2 },
          { errorClass: 'KafkaJSConnectionError', failedChecks: 3 },
          { errorClass: 'KafkaJSConnectionError', failedChecks: 1 },
        ]);
        expect(latest?.failure).toBeUndefined(); // the check after the last failure measured again
        // One beat every 2 s over 65 s, whatever the checks do.
        expect(beats).toBeGreaterThanOrEqual(25);
        expect(beats).toBeLessThanOrEqual(34);
      }),
    );
  });
});
