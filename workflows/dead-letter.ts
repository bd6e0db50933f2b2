import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DataInterval } from '../lib/intervals';
import { causes } from './failure-info';

/** The failure and its causes, outermost first. */
export function failureChain(err: unknown): string {
  return causes(err)
    .map((e) => (e as { message?: string }).message)
    .filter((m): m is string => !!m)
    .join(': ');
}

/** A pipeline run's failed step, as `audit.dead_letters` records it. */
export interface FailedStep {
  pipeline: string;
  warehouseTaskQueue: string;
  interval: DataInterval;
  step: string;
  stepWorkflowId: string;
  err: unknown;
}

/** Records the failed run in `audit.dead_letters`; a failure to record is logged, never hides the run's own. */
export async function recordDeadLetter(failed: FailedStep): Promise<void> {
  const { recordDeadLetter: record } = proxyActivities<Activities>({
    taskQueue: failed.warehouseTaskQueue,
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { maximumAttempts: 5 },
  });
  const info = workflowInfo();
  try {
    await record({
      pipeline: failed.pipeline,
      intervalStart: failed.interval.start,
      intervalEnd: failed.interval.end,
      step: failed.step,
      stepWorkflowId: failed.stepWorkflowId,
      workflowId: info.workflowId,
      runId: info.runId,
      error: failureChain(failed.err).slice(0, 4000),
    });
  } catch (recordErr) {
    log.warn('could not record the dead letter', { error: failureChain(recordErr) });
  }
}
