import type { WorkflowHandle } from '@temporalio/client';
import { stepWorkflowId } from '../../lib/ids';
import type { DataInterval } from '../../lib/intervals';
import type { EdpConfig } from '../../workers/config-schema';
import { testClient } from './platform';
import { nodeRunsOf, payloadDecoder } from '../../cli/transform-node-runs';

/** Nodes whose runNode has completed (as an activity, or as a local activity in the workflow worker), from the workflow's history. */
export async function completedNodes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const runs = await nodeRunsOf(history.events ?? [], payloadDecoder(handle.client));
  return runs.flatMap((r) => (r.completed && r.nodeId ? [r.nodeId] : []));
}

/**
 * Waits until the given step's child workflow has started; for transform, until `nodesDone` nodes have
 * finished. With `startedAfter`, an earlier run of the same step and interval does not count.
 */
export async function waitForStep(
  config: EdpConfig,
  step: 'ingest' | 'transform',
  interval: DataInterval,
  nodesDone = 0,
  startedAfter?: Date,
): Promise<string[]> {
  const { client, close } = await testClient(config);
  try {
    for (;;) {
      try {
        const handle = client.workflow.getHandle(stepWorkflowId(config.pipeline.name, step, interval));
        const { startTime } = await handle.describe();
        if (startedAfter && startTime < startedAfter) throw new Error('an earlier run');
        if (nodesDone === 0) return [];
        // The history (server side), not a query: the worker is busy running the nodes.
        const done = await completedNodes(handle);
        if (done.length >= nodesDone) return done;
      } catch {
        /* not started (or only an earlier run) or not planned yet */
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await close();
  }
}
