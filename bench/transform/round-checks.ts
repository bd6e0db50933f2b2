import type { RoundFigures } from './report';

/** Planned nodes of ephemeral models: dbt runs no node for one, ours may plan a no-op activity. */
export const ephemeralPlanned = (r: RoundFigures, ephemeral: Set<string>): number =>
  r.ours.result.models.filter((m) => ephemeral.has(m.id)).length;

/** What went wrong in a round: failed nodes on either side, node counts that differ from dbt's, dbt's own failures. */
export function roundProblems(round: number, r: RoundFigures, ephemeral: Set<string>): string[] {
  const { dbt: d, ours, inProc } = r;
  const problems: string[] = [];
  const nodes = ours.result.models.length;
  const failedNodes = ours.result.models.filter((m) => m.status !== 'success');
  if (ours.result.failed !== 0 || failedNodes.length) {
    problems.push(
      `round ${round}: via Temporal ${ours.result.failed} failed: ${failedNodes
        .slice(0, 5)
        .map((m) => `${m.id} ${m.status} ${m.error ?? ''}`)
        .join('; ')}`,
    );
  }
  if (inProc.failed)
    problems.push(`round ${round}: in-process ${inProc.failed} failed: ${inProc.errors.slice(0, 5).join('; ')}`);
  const counted = nodes - ephemeralPlanned(r, ephemeral);
  if (counted !== d.counts.total || inProc.nodes !== nodes) {
    problems.push(
      `round ${round}: ours ran ${nodes} nodes (${nodes - counted} ephemeral) through Temporal, ${inProc.nodes} in-process; dbt TOTAL=${d.counts.total}`,
    );
  }
  if (d.counts.error || d.counts.skip || d.counts.warn) problems.push(`round ${round}: dbt: ${d.summary}`);
  return problems;
}
