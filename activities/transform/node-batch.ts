import { ApplicationFailure } from '@temporalio/common';
import { activityContext } from '../heartbeat';
import type { NodeRunResult, RunNodeInput } from './transform-activities';

/** Input of `runNodes`: the run's common input and the nodes of the batch, each after its parents. */
export interface RunNodesInput extends Omit<RunNodeInput, 'nodeId' | 'tests'> {
  nodes: Array<{
    nodeId: string;
    /** Tests to run right after the node, in the same activity. */
    tests?: string[];
    /** Its parents that are in this batch (before it): when one fails, it is skipped. */
    after?: string[];
  }>;
}

/** One node's outcome in a batch, in the batch's order. */
export type BatchNodeResult =
  | { nodeId: string; result: NodeRunResult }
  /** Its build failed for good: the failure's message and class (`EdpBadSql`, …), as its own activity's would be. */
  | { nodeId: string; error: { message: string; type?: string } }
  /** A parent in the batch failed (or its error-severity test did), so it did not run. */
  | { nodeId: string; skipped: true };

/** Whether a node's result keeps its children from running: it errored, or one of its tests failed. */
function blocks(entry: BatchNodeResult): boolean {
  if ('skipped' in entry || 'error' in entry) return true;
  const r = entry.result;
  return [r, ...(r.tests ?? [])].some((x) => x.status === 'error' || x.status === 'fail');
}

/** The entries an earlier attempt of this activity heartbeated, by node id (none on a first attempt or outside one). */
function earlierEntries(): Map<string, BatchNodeResult> {
  const details = activityContext()?.info.heartbeatDetails as { done?: BatchNodeResult[] } | undefined;
  return new Map((details?.done ?? []).map((e) => [e.nodeId, e]));
}

/**
 * Runs a batch's nodes one after the other with `build` (one node and its tests), heartbeating the entries
 * so far: a retried attempt takes those from its predecessor's last heartbeat instead of building them again.
 * Non-retryable failures become that node's `error` entry; a retryable one fails the attempt.
 */
export async function runBatch(
  input: RunNodesInput,
  build: (node: RunNodeInput) => Promise<NodeRunResult>,
): Promise<BatchNodeResult[]> {
  const ctx = activityContext();
  const beat = ctx && !ctx.info.isLocal ? (d: unknown) => ctx.heartbeat(d) : undefined;
  const earlier = earlierEntries();
  const { nodes, ...common } = input;
  const done: BatchNodeResult[] = [];
  const blocked = new Set<string>();
  const details = { done };
  // The leading nodes an earlier attempt reported go into this attempt's first heartbeat (sent at once; later
  // ones are throttled), so a crash soon after does not lose them for the next attempt.
  let first = 0;
  for (; first < nodes.length && earlier.has(nodes[first].nodeId); first++) {
    const entry = earlier.get(nodes[first].nodeId)!;
    if (blocks(entry)) blocked.add(nodes[first].nodeId);
    done.push(entry);
  }
  beat?.(details);
  const timer = beat ? setInterval(() => beat(details), 2000) : undefined;
  try {
    for (const n of nodes.slice(first)) {
      ctx?.cancellationSignal.throwIfAborted();
      let entry: BatchNodeResult;
      if ((n.after ?? []).some((p) => blocked.has(p))) {
        entry = { nodeId: n.nodeId, skipped: true };
      } else {
        entry = earlier.get(n.nodeId) ?? (await buildEntry(n.nodeId, () => build({ ...common, ...n })));
      }
      if (blocks(entry)) blocked.add(n.nodeId);
      done.push(entry);
      beat?.(details);
    }
    return done;
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** A node's entry: its result, or its non-retryable failure; a retryable failure propagates (the batch retries). */
async function buildEntry(nodeId: string, build: () => Promise<NodeRunResult>): Promise<BatchNodeResult> {
  try {
    return { nodeId, result: await build() };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.nonRetryable) {
      return { nodeId, error: { message: err.message, ...(err.type ? { type: err.type } : {}) } };
    }
    throw err;
  }
}
