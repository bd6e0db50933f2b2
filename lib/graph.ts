import { ProjectError } from './errors';

/** A directed dependency graph: `edges` run from a parent to the child that depends on it. */
export interface DependencyGraph {
  nodes: string[];
  edges: Array<[parent: string, child: string]>;
}

/** Raised for a graph that cannot run: a cycle or an edge to an unknown node. */
export class GraphError extends ProjectError {}

/** Nodes in an order where every parent comes before its children (Kahn's algorithm, stable by name). */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const known = new Set(graph.nodes);
  const indegree = new Map(graph.nodes.map((n) => [n, 0]));
  const children = new Map<string, string[]>(graph.nodes.map((n) => [n, []]));
  for (const [parent, child] of graph.edges) {
    if (!known.has(parent) || !known.has(child))
      throw new GraphError(`edge ${parent} → ${child} names an unknown node`);
    children.get(parent)!.push(child);
    indegree.set(child, indegree.get(child)! + 1);
  }
  const ready = graph.nodes.filter((n) => indegree.get(n) === 0).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    for (const child of children.get(node)!) {
      indegree.set(child, indegree.get(child)! - 1);
      if (indegree.get(child) === 0) {
        ready.push(child);
        ready.sort();
      }
    }
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((n) => !order.includes(n));
    throw new GraphError(`dependency cycle among: ${stuck.join(', ')}`);
  }
  return order;
}

/** The parents of each node. */
export function parentsOf(graph: DependencyGraph): Map<string, string[]> {
  const parents = new Map<string, string[]>(graph.nodes.map((n) => [n, []]));
  for (const [parent, child] of graph.edges) parents.get(child)?.push(parent);
  return parents;
}

/** Every node reachable from `node` along edges (its children, their children, …). */
export function descendantsOf(graph: DependencyGraph, node: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const [parent, child] of graph.edges) children.set(parent, [...(children.get(parent) ?? []), child]);
  const seen = new Set<string>();
  const stack = [node];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    for (const c of children.get(next) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      stack.push(c);
    }
  }
  return seen;
}
