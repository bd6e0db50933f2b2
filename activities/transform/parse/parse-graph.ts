import { topologicalOrder } from '../../../lib/graph';
import { CompileError } from '../jinja';
import type { ManifestNode } from '../manifest-types';

/** Fails on a node that depends on a disabled node (sources are never disabled). */
export function checkEnabledDependencies(nodes: readonly ManifestNode[]): void {
  const enabled = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const disabled = n.dependsOn.find((p) => (p.startsWith('source.') ? false : !enabled.has(p)));
    if (disabled) throw new CompileError(`${n.path}: ${n.name} depends on ${disabled}, which is disabled`);
  }
}

/** Fails on a dependency cycle, naming every node on it with its file. */
export function checkAcyclic(nodes: readonly ManifestNode[]): void {
  const cycle = findCycle(nodes);
  if (cycle) {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const path = cycle.map((id) => `${byId.get(id)!.name} (${byId.get(id)!.path})`).join(' → ');
    throw new CompileError(`${byId.get(cycle[0])!.path}: dependency cycle: ${path}`);
  }
  const enabled = new Set(nodes.map((n) => n.id));
  topologicalOrder({
    nodes: nodes.map((n) => n.id),
    edges: nodes.flatMap((n) => n.dependsOn.filter((p) => enabled.has(p)).map((p) => [p, n.id] as [string, string])),
  });
}

/** A dependency cycle as a closed path of node ids (first repeated at the end), if there is one. */
function findCycle(nodes: ReadonlyArray<Pick<ManifestNode, 'id' | 'dependsOn'>>): string[] | undefined {
  const parents = new Map(nodes.map((n) => [n.id, n.dependsOn]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !parents.has(id)) return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const p of parents.get(id)!) {
      const found = visit(p);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.id);
    if (found) return found.reverse();
  }
  return undefined;
}
