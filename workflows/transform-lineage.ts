import type { LineageEventInput, LineageRunRef } from '../activities/lineage';
import type { ManifestRef } from '../activities/transform';

/** What lineage needs of a node's outcome (a transform `ModelOutcome`). */
export interface NodeOutcome {
  id: string;
  type: string;
  status: 'success' | 'error' | 'skipped' | 'warn' | 'fail';
  rows?: number;
  durationMs?: number;
  errorType?: string;
}

/** A node's outcome and when its activity started (workflow time, ms). */
export interface TimedOutcome {
  outcome: NodeOutcome;
  startedMs: number;
}

/**
 * START and COMPLETE (or FAIL) events of every dbt node that ran, as child runs of `parent`; skipped nodes never
 * ran and have none. A failure is named by its class only: its message may quote row values.
 */
export function nodeLineageEvents(
  manifest: ManifestRef,
  nodes: readonly TimedOutcome[],
  parent: LineageRunRef,
): LineageEventInput[] {
  const ref = { manifestFile: manifest.manifestFile, checksum: manifest.checksum };
  return nodes.flatMap(({ outcome: o, startedMs }) => {
    if (o.status === 'skipped') return [];
    const run = { job: `${parent.job}.${o.id}`, runKey: `${parent.runKey}/${o.id}` };
    const failed = o.status === 'error' || o.status === 'fail';
    const io = { kind: 'dbt-node' as const, manifest: ref, nodeId: o.id };
    const start: LineageEventInput = {
      eventType: 'START',
      eventTime: new Date(startedMs).toISOString(),
      run,
      parent,
      io,
    };
    const end: LineageEventInput = {
      eventType: failed ? 'FAIL' : 'COMPLETE',
      eventTime: new Date(startedMs + (o.durationMs ?? 0)).toISOString(),
      run,
      parent,
      io: {
        ...io,
        passed: o.status === 'success',
        ...(o.type !== 'test' && o.rows !== undefined ? { rows: o.rows } : {}),
      },
      ...(failed ? { errorClass: o.errorType ?? (o.status === 'fail' ? 'TestFailed' : 'NodeError') } : {}),
    };
    return [start, end];
  });
}
