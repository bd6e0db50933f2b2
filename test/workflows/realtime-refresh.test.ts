import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { RealtimeRefreshResult } from '../../activities/realtime';
import { realtimeRefresh } from '../../workflows';
import { realtimeRefreshLatest } from '../../workflows/realtime-refresh';
import { maybeRecordHistory } from '../helpers/histories';
import { openTimeSkipping } from '../helpers/time-skipping';

const pass = (nextInMs: number): RealtimeRefreshResult => ({
  refreshed: [{ table: 't', mode: 'full', rows: 1, ms: 5 }],
  lag: [{ table: 't', targetLagSeconds: 60, lagSeconds: 0, dataTimestamp: null, status: 'on target' }],
  nextInMs,
});

/** The refresh timer's scheduling, with fake activities on the time-skipping server. */
describe('realtimeRefresh workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await openTimeSkipping();
  });
  afterAll(() => env?.teardown());

  /** Runs realtimeRefresh over fake activities on its own task queues, and `during` while it runs. */
  async function withRefresh<T>(
    workflowId: string,
    activities: Partial<Activities>,
    passesPerRun: number | undefined,
    during: (handle: WorkflowHandle<typeof realtimeRefresh>) => Promise<T>,
  ): Promise<T> {
    const queues = { workflows: `${workflowId}-wf`, warehouse: `${workflowId}-wh` };
    const wf = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queues.workflows,
      workflowsPath: require.resolve('../../workflows'),
    });
    const acts = await Worker.create({ connection: env.nativeConnection, taskQueue: queues.warehouse, activities });
    return wf.runUntil(
      acts.runUntil(async () =>
        during(
          await env.client.workflow.start(realtimeRefresh, {
            workflowId,
            taskQueue: queues.workflows,
            args: [{ steps: { warehouseTaskQueue: queues.warehouse }, passesPerRun }],
          }),
        ),
      ),
    );
  }

  /** Runs realtimeRefresh to its end (it ends only by failing); returns what it ended with. */
  const run = (workflowId: string, activities: Partial<Activities>, passesPerRun: number) =>
    withRefresh(workflowId, activities, passesPerRun, async (handle) => ({
      handle,
      result: await handle.result().catch((err: unknown) => err),
    }));

  it('deploys once, then passes as often as each pass says, across continue-as-new', async () => {
    const calls: Array<{ what: string; at: number }> = [];
    const started = Date.now();
    let passes = 0;
    const { result } = await run(
      'realtime-timer',
      {
        deployRealtime: () => {
          calls.push({ what: 'deploy', at: 0 });
          return Promise.resolve({ views: [], tables: ['curation.t'], selfRefreshing: false });
        },
        refreshRealtime: async () => {
          passes++;
          calls.push({ what: 'refresh', at: await env.currentTimeMs() });
          if (passes === 7) throw ApplicationFailure.nonRetryable('curation query failed: bad SQL', 'EdpBadSql');
          if (passes === 3) throw ApplicationFailure.retryable('warehouse busy');
          return pass(30_000);
        },
      },
      3,
    );
    // Deployed once, though it continued as new (3 passes a run); a retryable failure was retried by the
    // activity's policy and did not stop it; the non-retryable one (bad SQL) failed the workflow.
    expect(calls.filter((c) => c.what === 'deploy')).toHaveLength(1);
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(((result as WorkflowFailedError).cause?.cause as Error | undefined)?.message).toContain('bad SQL');
    const times = calls.filter((c) => c.what === 'refresh').map((c) => c.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // 30 s between passes (time skipped), except around the retried one.
    expect(gaps.filter((g) => g >= 29_000 && g <= 31_500).length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(60_000);
    await maybeRecordHistory(env.client, env.address, 'realtime-timer', 'bad-sql');
  });

  /** Lets `wait` of workflow time pass while realtimeRefresh runs, and returns its `latest`. */
  const latestAfter = (
    workflowId: string,
    activities: Partial<Activities>,
    wait: Parameters<TestWorkflowEnvironment['sleep']>[0],
  ) =>
    withRefresh(workflowId, activities, undefined, async (handle) => {
      await env.sleep(wait);
      const answer = await handle.query(realtimeRefreshLatest);
      await handle.terminate('test done');
      return answer;
    });

  it('answers the latest pass to a query while it runs', async () => {
    const latest = await latestAfter(
      'realtime-query',
      {
        deployRealtime: () => Promise.resolve({ views: [], tables: [], selfRefreshing: true }),
        refreshRealtime: () => Promise.resolve(pass(5_000)),
      },
      '12 seconds',
    );
    expect(latest).toEqual(pass(5_000));
  });

  it('shows a pass that failed after its retries in the latest query, and keeps going', async () => {
    let calls = 0;
    const latest = await latestAfter(
      'realtime-failing',
      {
        deployRealtime: () => Promise.resolve({ views: [], tables: [], selfRefreshing: false }),
        refreshRealtime: () => {
          calls++;
          return Promise.reject(ApplicationFailure.retryable('IO Error: warehouse busy'));
        },
      },
      '40 seconds',
    );
    expect(latest?.error).toContain('warehouse busy');
    expect(calls).toBeGreaterThan(3); // three attempts per pass, and the next pass came
    await maybeRecordHistory(env.client, env.address, 'realtime-failing', 'failing-passes');
  });
});
