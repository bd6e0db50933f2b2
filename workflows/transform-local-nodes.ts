import { patched, proxyLocalActivities, sleep, type LocalActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { retryPolicyFor, type StepOptions } from './step-options';

/**
 * Patch id of local dbt nodes: a transform runs the nodes `steps.localNodes` names as local activities when
 * its worker has the transform activities. Runs started before it replay with every node an activity.
 */
export const LOCAL_NODES_PATCH = 'transform-local-nodes';

/**
 * Patch id of the local-node gate ({@link LocalGate}): runs started before it start local nodes whenever a thread
 * is free, so their histories replay without its timers.
 */
export const LOCAL_GATE_PATCH = 'transform-local-gate';

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

/**
 * Keeps a run's activities from waiting behind its local nodes. The SDK holds a workflow task open while any
 * local activity runs, and what the workflow schedules meanwhile reaches the server only when that task
 * completes: with local nodes back to back, an activity (a seed, an incremental, a quality check) would wait for
 * the last of them. So once an activity is scheduled, local nodes start only after the workflow has heard from
 * the server again (an activity's result, or a 1 ms timer asking for the next workflow task at once), i.e.
 * after the task that sent the activity completed. Every input is an event of the history, so a replay takes
 * the same path.
 */
export class LocalGate {
  /** Activity results and gate timers heard so far: each arrives in a workflow task of its own. */
  private heardCount = 0;
  /** {@link heardCount} when an activity was last scheduled: local nodes wait until it moves on. */
  private flushAfter: number | undefined;
  private timer: Promise<void> | undefined;

  /** `on`: the run has local nodes and started after {@link LOCAL_GATE_PATCH}. */
  constructor(readonly on: boolean) {}

  /** Schedules an activity through the gate: local nodes must not extend the workflow task that sends it. */
  viaServer<T>(call: () => Promise<T>): Promise<T> {
    if (!this.on) return call();
    this.flushAfter = this.heardCount;
    return call().finally(() => {
      this.heardCount++;
    });
  }

  /** Resolves when a local node may start without holding back an activity scheduled in the same task. */
  async open(): Promise<void> {
    while (this.flushAfter === this.heardCount) {
      this.timer ??= sleep(1).then(() => {
        this.timer = undefined;
        this.heardCount++;
      });
      await this.timer;
    }
  }
}
