import { patched } from '@temporalio/workflow';
import type { PlannedNode } from '../activities/transform';
import type { StepOptions } from './step-options';

/**
 * Patch id of node batches: a transform runs several ready nodes of `steps.batchMaterializations` in one
 * `runNodes` activity. Runs started before it replay with one activity per node.
 */
export const NODE_BATCH_PATCH = 'transform-node-batch';

/** The Temporal server's default limit on an activity's summary (`limit.userMetadataSummarySize`), in bytes. */
const SUMMARY_LIMIT = 400;

/**
 * Nodes per batch for this run: `steps.batchNodes` when it is above 1, materializations are named and the run
 * started after {@link NODE_BATCH_PATCH}; 1 (no batches) otherwise.
 */
export function batchSizeOf(steps: StepOptions): number {
  const size = steps.batchNodes ?? 1;
  if (size <= 1 || !steps.batchMaterializations?.length) return 1;
  return patched(NODE_BATCH_PATCH) ? size : 1;
}

/**
 * The Web UI's label of a batch's runNodes activity: every node it runs, by type and name, in order
 * (`3 nodes: view stg_a + 1 test, test rel_a_b, model int_c`); names only, never data. A label longer than the
 * server takes ends with how many nodes it leaves out.
 */
export function batchSummary(nodes: PlannedNode[]): string {
  const labels = nodes.map((n) => {
    const tests = n.tests?.length ?? 0;
    return `${n.type} ${n.name}${tests ? ` + ${tests} test${tests > 1 ? 's' : ''}` : ''}`;
  });
  const head = `${nodes.length} nodes: `;
  let text = head + labels.join(', ');
  for (let shown = labels.length - 1; new TextEncoder().encode(text).length > SUMMARY_LIMIT && shown > 0; shown--) {
    text = `${head}${labels.slice(0, shown).join(', ')}, … ${labels.length - shown} more`;
  }
  return text;
}
