import type { RoundFigures } from './report';
import { TOPOLOGIES, type Topology } from './temporal-run';

/** Planned nodes of ephemeral models: dbt runs no node for one, ours may plan a no-op activity. */
export const ephemeralPlanned = (r: RoundFigures, ephemeral: Set<string>, t: Topology = 'split'): number =>
  r.ours[t].result.models.filter((m) => ephemeral.has(m.id)).length;

/** What went wrong in a round: failed nodes on either side, node counts that differ from dbt's, dbt's own failures. */
export function roundProblems(round: number, r: RoundFigures, ephemeral: Set<string>): string[] {
  const { dbt: d, inProc } = r;
  const problems: string[] = [];
  for (const t of Object.keys(TOPOLOGIES) as Topology[]) problems.push(...temporalProblems(round, r, ephemeral, t));
  if (inProc.failed)
    problems.push(`round ${round}: in-process ${inProc.failed} failed: ${inProc.errors.slice(0, 5).join('; ')}`);
  if (d.counts.error || d.counts.skip || d.counts.warn) problems.push(`round ${round}: dbt: ${d.summary}`);
  return problems;
}

/** What went wrong in one run through Temporal: failed nodes, node counts that differ from dbt's or in-process. */
function temporalProblems(round: number, r: RoundFigures, ephemeral: Set<string>, t: Topology): string[] {
  const { dbt: d, inProc } = r;
  const ours = r.ours[t];
  const problems: string[] = [];
  const nodes = ours.result.models.length;
  const failedNodes = ours.result.models.filter((m) => m.status !== 'success');
  if (ours.result.failed !== 0 || failedNodes.length) {
    problems.push(
      `round ${round}: via Temporal (${t}) ${ours.result.failed} failed: ${failedNodes
        .slice(0, 5)
        .map((m) => `${m.id} ${m.status} ${m.error ?? ''}`)
        .join('; ')}`,
    );
  }
  const counted = nodes - ephemeralPlanned(r, ephemeral, t);
  if (counted !== d.counts.total || inProc.nodes !== nodes) {
    problems.push(
      `round ${round}: ours ran ${nodes} nodes (${nodes - counted} ephemeral) through Temporal (${t}), ${inProc.nodes} in-process; dbt TOTAL=${d.counts.total}`,
    );
  }
  return problems;
}
