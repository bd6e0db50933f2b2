import {
  proxyActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { defaultStreamingQueue } from '../lib/ids';

/** How a workflow reaches its activities; part of every workflow input so config stays out of workflows. */
export interface StepOptions {
  /** Task queue of the worker that holds the warehouse. */
  warehouseTaskQueue: string;
  /** Task queue of the long-running stream consumers. @default `<warehouseTaskQueue>-streaming` */
  streamingTaskQueue?: string;
  /** A worker that stops heartbeating for this long is presumed dead and the activity retried elsewhere. @default 30 */
  heartbeatSeconds?: number;
  /** Upper bound for one activity attempt. @default 3600 */
  attemptTimeoutSeconds?: number;
  /** Attempts per activity before the step fails, overriding the policies. */
  maximumAttempts?: number;
  /** Retry policy per activity class, `default` for the rest (from `pipeline.retries`). */
  retries?: Partial<Record<ActivityClass | 'default', Partial<RetrySettings>>>;
  /** OpenLineage events are configured (`lineage`): workflows report their runs through `emitLineage`. */
  lineage?: boolean;
  /** Materializations a transform runs as local activities where its worker can (`transform.localNodes`). */
  localNodes?: string[];
  /** Most nodes a transform runs in one activity (`transform.batchNodes`); 1 or unset: one activity per node. */
  batchNodes?: number;
  /** Materializations whose nodes a transform may batch (`transform.batchMaterializations`). */
  batchMaterializations?: string[];
}

/** Which retry policy an activity follows. */
export type ActivityClass = 'ingest' | 'transform' | 'quality' | 'export' | 'sla';

/** An exponential-backoff retry policy as config states it. */
export interface RetrySettings {
  initialSeconds: number;
  backoff: number;
  maxSeconds: number;
  maxAttempts: number;
}

const DEFAULT_RETRY: RetrySettings = { initialSeconds: 10, backoff: 2, maxSeconds: 600, maxAttempts: 8 };

/** The retry policy of an activity class: its own settings over `default` over the built-in ones. */
export function retryFor(steps: StepOptions, cls: ActivityClass): RetrySettings {
  const r = { ...DEFAULT_RETRY, ...steps.retries?.default, ...steps.retries?.[cls] };
  return steps.maximumAttempts === undefined ? r : { ...r, maxAttempts: steps.maximumAttempts };
}

/**
 * The task queue of the long-running stream consumer activities. Inputs recorded before the streaming queue
 * existed carry none: their runs move to the derived default. Replay does not compare an activity's task
 * queue (test/replay passes either way), so no patch marker is needed.
 */
export function streamingQueueOf(steps: StepOptions): string {
  return steps.streamingTaskQueue ?? defaultStreamingQueue(steps.warehouseTaskQueue);
}

/** The Temporal retry policy of an activity class (see {@link retryFor}). */
export function retryPolicyFor(steps: StepOptions, cls: ActivityClass): RetryPolicy {
  const r = retryFor(steps, cls);
  return {
    initialInterval: `${r.initialSeconds}s`,
    backoffCoefficient: r.backoff,
    maximumInterval: `${r.maxSeconds}s`,
    maximumAttempts: r.maxAttempts,
  };
}

/** Activity proxies for a step, with the platform's timeouts and the class's exponential-backoff retry policy. */
export function warehouseActivities(steps: StepOptions, cls: ActivityClass): ActivityInterfaceFor<Activities> {
  const options: ActivityOptions = {
    taskQueue: steps.warehouseTaskQueue,
    startToCloseTimeout: `${steps.attemptTimeoutSeconds ?? 3600}s`,
    heartbeatTimeout: `${steps.heartbeatSeconds ?? 30}s`,
    retry: retryPolicyFor(steps, cls),
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
