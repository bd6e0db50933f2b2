import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** How a workflow reaches its activities; part of every workflow input so config stays out of workflows. */
export interface StepOptions {
  /** Task queue of the worker that holds the warehouse. */
  warehouseTaskQueue: string;
  /** A worker that stops heartbeating for this long is presumed dead and the activity retried elsewhere. @default 30 */
  heartbeatSeconds?: number;
  /** Upper bound for one activity attempt. @default 3600 */
  attemptTimeoutSeconds?: number;
  /** Attempts per activity before the step fails. @default 8 */
  maximumAttempts?: number;
}

/** Activity proxies for a step, with the platform's timeouts and exponential-backoff retry policy. */
export function warehouseActivities(steps: StepOptions): Activities {
  const options: ActivityOptions = {
    taskQueue: steps.warehouseTaskQueue,
    startToCloseTimeout: `${steps.attemptTimeoutSeconds ?? 3600}s`,
    heartbeatTimeout: `${steps.heartbeatSeconds ?? 30}s`,
    retry: {
      initialInterval: '10s',
      backoffCoefficient: 2,
      maximumInterval: '10m',
      maximumAttempts: steps.maximumAttempts ?? 8,
    },
  };
  return proxyActivities<Activities>(options);
}

/** Runs `task` over `items` with at most `limit` in flight, keeping input order in the result. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
