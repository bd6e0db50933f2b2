import {
  createTransformActivities,
  readManifest,
  type NodeRunResult,
  type TargetInfo,
} from '../../activities/transform';
import type { Warehouse } from '../../activities/warehouse';
import { topologicalOrder } from '../../lib/graph';

/** How {@link buildInOrder} runs: project vars, and the run's start time (`run_started_at`). */
export interface BuildOptions {
  vars?: Record<string, unknown>;
  runStartedAt?: string;
}

/**
 * Builds a dbt project with the transform activities in this process, every node in dependency order
 * with the tests bundled into it; results by node and test name, and the manifest.
 */
export async function buildInOrder(
  w: Warehouse,
  projectDir: string,
  target: Partial<TargetInfo>,
  invocationId: string,
  options: BuildOptions = {},
) {
  const acts = createTransformActivities({ warehouse: w, projectDir, target });
  const plan = await acts.planTransform({ command: 'build', vars: options.vars });
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const results: Record<string, NodeRunResult> = {};
  for (const nodeId of topologicalOrder({ nodes: plan.nodes.map((n) => n.id), edges: plan.edges })) {
    const r = await acts.runNode({
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId,
      invocationId,
      runStartedAt: options.runStartedAt ?? new Date().toISOString(),
      tests: byId.get(nodeId)!.tests?.map((t) => t.id),
    });
    for (const x of [r, ...(r.tests ?? [])]) results[x.name] = x;
  }
  return { results, manifest: readManifest(plan.manifestFile, plan.checksum) };
}
