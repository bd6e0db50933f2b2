import type { LineageEventInput, LineageRunRef } from '../activities/lineage';
import type { ManifestRef, NodeOutcome as RunNodeOutcome } from '../activities/transform';

/** What lineage needs of a node's outcome (a transform `ModelOutcome`). */
export type NodeOutcome = Omit<RunNodeOutcome, 'error'> & { errorType?: string };

/** A node's outcome and when its activity started (workflow time, ms). */
export interface TimedOutcome {
  outcome: NodeOutcome;
  startedMs: number;
}

/** The lineage run of a dbt node: a child of `parent`, keyed by the node id (the same run id on every retry). */
const nodeRun = (parent: LineageRunRef, nodeId: string): LineageRunRef => ({
  job: `${parent.job}.${nodeId}`,
  runKey: `${parent.runKey}/${nodeId}`,
});

const refOf = (manifest: ManifestRef) => ({ manifestFile: manifest.manifestFile, checksum: manifest.checksum });

/** The START event of a dbt node, as its activity starts. */
export function nodeStartEvent(
  manifest: ManifestRef,
  nodeId: string,
  startedMs: number,
  parent: LineageRunRef,
): LineageEventInput {
  return {
    eventType: 'START',
    eventTime: new Date(startedMs).toISOString(),
    run: nodeRun(parent, nodeId),
    parent,
    io: { kind: 'dbt-node', manifest: refOf(manifest), nodeId },
  };
}

/**
 * The COMPLETE (or FAIL) event of a dbt node that ran; none for a skipped one. A failure is named by its class
 * only: its message may quote row values.
 */
export function nodeEndEvents(manifest: ManifestRef, n: TimedOutcome, parent: LineageRunRef): LineageEventInput[] {
  const { outcome: o, startedMs } = n;
  if (o.status === 'skipped') return [];
  const failed = o.status === 'error' || o.status === 'fail';
  return [
    {
      eventType: failed ? 'FAIL' : 'COMPLETE',
      eventTime: new Date(startedMs + (o.durationMs ?? 0)).toISOString(),
      run: nodeRun(parent, o.id),
      parent,
      io: {
        kind: 'dbt-node',
        manifest: refOf(manifest),
        nodeId: o.id,
        passed: o.status === 'success',
        ...(o.type !== 'test' && o.rows !== undefined ? { rows: o.rows } : {}),
      },
      ...(failed ? { errorClass: o.errorType ?? (o.status === 'fail' ? 'TestFailed' : 'NodeError') } : {}),
    },
  ];
}

/** START and COMPLETE (or FAIL) events of every dbt node that ran, as child runs of `parent`; skipped nodes have none. */
export function nodeLineageEvents(
  manifest: ManifestRef,
  nodes: readonly TimedOutcome[],
  parent: LineageRunRef,
): LineageEventInput[] {
  return nodes.flatMap((n) =>
    n.outcome.status === 'skipped'
      ? []
      : [nodeStartEvent(manifest, n.outcome.id, n.startedMs, parent), ...nodeEndEvents(manifest, n, parent)],
  );
}
