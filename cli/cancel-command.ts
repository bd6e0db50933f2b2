import type { Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { workflowStatus } from '../activities/streaming/consumer-stalls';
import { pipelineWorkflowId } from '../lib/ids';
import { describeInterval, type DataInterval } from '../lib/intervals';
import type { EdpConfig } from '../workers/config-schema';
import { describeFailure } from './failure-chain';
import { temporalClient, UsageError, withWorker } from './session';

/** What `edp cancel` cancels: runs by workflow id, and the open pipeline runs of an interval. */
export interface CancelOptions {
  ids: string[];
  interval?: DataInterval;
  /** How long to wait for each run to close once cancelled. */
  waitSeconds: number;
}

/** The open pipeline runs of an interval: its one id (manual and scheduled runs share it) and any run tagged with the interval. */
async function openRunsOf(client: Client, config: EdpConfig, interval: DataInterval): Promise<string[]> {
  const ids = new Set<string>();
  const manual = pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes);
  const described = await client.workflow
    .getHandle(manual)
    .describe()
    .catch(() => undefined);
  if (described?.status.name === 'RUNNING') ids.add(manual);
  const query = [
    `WorkflowType = 'platformPipeline'`,
    `EdpPipeline = '${config.pipeline.name}'`,
    `EdpIntervalStart = '${interval.start}'`,
    `ExecutionStatus = 'Running'`,
  ].join(' AND ');
  for await (const wf of client.workflow.list({ query })) ids.add(wf.workflowId);
  return [...ids];
}

/** How a cancelled run closed, or that it has not closed yet. */
async function closing(client: Client, id: string, waitSeconds: number): Promise<string> {
  const result = client.workflow
    .getHandle(id)
    .result()
    .then(
      () => 'completed before the cancellation reached it',
      (err: unknown) =>
        (err as Error).cause instanceof CancelledFailure ? 'cancelled' : `closed: ${describeFailure(err)}`,
    );
  const timeout = new Promise<string>((resolve) => {
    const t = setTimeout(
      () => resolve('cancellation requested; it completes when a worker takes it (`npx edp up`)'),
      waitSeconds * 1000,
    );
    void result.finally(() => clearTimeout(t));
  });
  return Promise.race([result, timeout]);
}

/**
 * `edp cancel`: asks Temporal to cancel each run (its steps stop at their next cancellation point: a sensor's
 * sleep, an activity's heartbeat) and waits until it closes; exit 1 when a run named is not open.
 */
export async function cancelRuns(config: EdpConfig, o: CancelOptions, log: (m: string) => void): Promise<number> {
  if (o.ids.length === 0 && !o.interval)
    throw new UsageError(
      'cancel needs a run: edp cancel <workflow id>… (as `edp run`, `edp dbt` or `edp status` print it) or --interval S/E',
    );
  const { client, close } = await temporalClient(config);
  try {
    const ids = new Set(o.ids);
    let missing = 0;
    if (o.interval) {
      const open = await openRunsOf(client, config, o.interval);
      if (open.length === 0) {
        log(`no run of ${describeInterval(o.interval)} is in progress`);
        missing++;
      }
      for (const id of open) ids.add(id);
    }
    const cancelled: string[] = [];
    for (const id of ids) {
      const handle = client.workflow.getHandle(id);
      const status = await workflowStatus(client, id);
      if (status !== 'RUNNING') {
        log(status ? `${id} is not running (${status.toLowerCase()})` : `no run ${id}`);
        missing++;
        continue;
      }
      await handle.cancel();
      cancelled.push(id);
    }
    if (cancelled.length > 0)
      await withWorker(
        config,
        async () => {
          for (const id of cancelled) log(`${id}: ${await closing(client, id, o.waitSeconds)}`);
        },
        log,
      );
    return missing > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
