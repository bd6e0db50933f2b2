import { patched, proxyLocalActivities, type LocalActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { retryPolicyFor, type StepOptions } from './step-options';

/**
 * Patch id of local dbt nodes: a transform runs the nodes `steps.localNodes` names as local activities when
 * its worker has the transform activities. Runs started before it replay with every node an activity.
 */
export const LOCAL_NODES_PATCH = 'transform-local-nodes';

/** The local activity every workflow worker registers (workers/local-nodes.ts): whether it can run nodes itself. */
export interface LocalNodeHost {
  localNodesHere(): Promise<boolean>;
}

/**
 * Retries whose backoff is longer than this wait on a server timer (scheduled again as a new local attempt)
 * instead of in the worker, which would keep the workflow task open for the whole wait.
 */
export const LOCAL_RETRY_THRESHOLD = '10s';

/** The local `runNode` of a run, or undefined when its nodes all run as activities. */
export type LocalRunNode = LocalActivityInterfaceFor<Activities>['runNode'];

/**
 * The local `runNode` of this run: only when the config names materializations, the run started after
 * {@link LOCAL_NODES_PATCH}, and the worker that runs the workflow has the activities. That last answer is a
 * local activity of its own, so it is recorded in the history: a replay, on whatever worker, takes the same path.
 */
export async function localRunNode(steps: StepOptions): Promise<LocalRunNode | undefined> {
  if (!steps.localNodes?.length || !patched(LOCAL_NODES_PATCH)) return undefined;
  const host = proxyLocalActivities<LocalNodeHost>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });
  if (!(await host.localNodesHere())) return undefined;
  // The transform class's policy, as the node's activity would have had: classified failures (bad SQL, bad
  // input) are non-retryable ApplicationFailures, so they stop after one attempt here too.
  return proxyLocalActivities<Activities>({
    startToCloseTimeout: `${steps.attemptTimeoutSeconds ?? 3600}s`,
    localRetryThreshold: LOCAL_RETRY_THRESHOLD,
    retry: retryPolicyFor(steps, 'transform'),
  }).runNode;
}

/**
 * The scheduling error of a local activity its worker has not registered: the run moved to a worker without
 * the transform activities. The workflow task must fail (and go to another worker) rather than the node.
 */
export function isUnregisteredLocal(err: unknown): err is ReferenceError {
  return err instanceof ReferenceError;
}
