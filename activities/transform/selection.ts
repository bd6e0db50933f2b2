import { CompileError } from './jinja';
import type { Manifest, ResourceType } from './manifest-types';
import { SELECTOR_METHODS, type SelectionContext } from './selector-methods';

/** dbt commands the engine runs. */
export type DbtCommand = 'build' | 'run' | 'test' | 'seed' | 'snapshot' | 'compile';

const COMMAND_TYPES: Record<DbtCommand, ResourceType[]> = {
  build: ['model', 'seed', 'snapshot', 'test'],
  run: ['model'],
  test: ['test'],
  seed: ['seed'],
  snapshot: ['snapshot'],
  compile: ['model', 'snapshot', 'test'],
};

interface Graph {
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
}

function graphOf(manifest: Manifest): Graph {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const n of Object.values(manifest.nodes)) {
    parents.set(n.id, n.dependsOn);
    for (const p of n.dependsOn) children.set(p, [...(children.get(p) ?? []), n.id]);
  }
  return { parents, children };
}

function walk(start: Iterable<string>, next: Map<string, string[]>, depth: number): Set<string> {
  const seen = new Set<string>();
  let frontier = [...start];
  for (let d = 0; d < depth && frontier.length; d++) {
    const out: string[] = [];
    for (const id of frontier) {
      for (const n of next.get(id) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          out.push(n);
        }
      }
    }
    frontier = out;
  }
  return seen;
}

/** Node ids (and source ids) one selector method matches, before graph operators. */
function matchMethod(manifest: Manifest, spec: string, ctx: SelectionContext): Set<string> {
  const colon = spec.indexOf(':');
  // As dbt: without a method, a value with a `/` or ending in `.sql` is a path, anything else an fqn.
  const guess = spec.includes('/') || spec.endsWith('.sql') ? 'path' : 'fqn';
  const [method, value] = colon > 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [guess, spec];
  if (!Object.hasOwn(SELECTOR_METHODS, method)) {
    const others = Object.keys(SELECTOR_METHODS).filter((m) => m !== 'fqn');
    throw new CompileError(
      `--select: unknown selector method '${method}:' (use a name, ${others.map((m) => `${m}:`).join(', ')})`,
    );
  }
  return SELECTOR_METHODS[method](manifest, value, ctx);
}

/** One selector with its graph operators: `+model`, `model+`, `2+model+3`, `@model`. */
function matchSelector(manifest: Manifest, g: Graph, selector: string, ctx: SelectionContext): Set<string> {
  const m = /^(@)?(\d*\+)?(.+?)(\+\d*)?$/.exec(selector);
  if (!m) throw new CompileError(`--select: cannot read '${selector}'`);
  const [, at, up, core, down] = m;
  const base = matchMethod(manifest, core, ctx);
  // A state: selector matching nothing is a CI run with nothing changed, not a mistake.
  if (base.size === 0 && !core.startsWith('state:'))
    throw new CompileError(`--select: '${selector}' matches nothing in the project`);
  const out = new Set(base);
  const depth = (op: string | undefined) => (op && op.replace('+', '') ? Number(op.replace('+', '')) : Infinity);
  if (up) for (const id of walk(base, g.parents, depth(up))) out.add(id);
  if (down || at) for (const id of walk(base, g.children, at ? Infinity : depth(down))) out.add(id);
  if (at) for (const id of [...out]) for (const p of walk([id], g.parents, Infinity)) out.add(p);
  return out;
}

/** Union of space-separated selectors, each an intersection of comma-separated parts. */
function matchExpression(manifest: Manifest, g: Graph, expr: readonly string[], ctx: SelectionContext): Set<string> {
  const out = new Set<string>();
  for (const term of expr.flatMap((e) => e.split(/\s+/)).filter(Boolean)) {
    const parts = term.split(',').map((p) => matchSelector(manifest, g, p, ctx));
    for (const id of parts[0]) if (parts.every((s) => s.has(id))) out.add(id);
  }
  return out;
}

/**
 * The unit tests an expression names itself (by name, `test_type:unit`, `resource_type:unit_test`), not
 * through their model: dbt runs those too (`edp dbt test -s test_orders_totals`).
 */
export function unitTestsNamed(manifest: Manifest, expr: readonly string[], ctx: SelectionContext = {}): Set<string> {
  if (!expr.length || !manifest.unitTests) return new Set();
  const ids = new Set(Object.keys(manifest.unitTests));
  return new Set([...matchExpression(manifest, graphOf(manifest), expr, ctx)].filter((id) => ids.has(id)));
}

/** What a command runs: selected nodes of its resource types, plus tests on any selected node (dbt's eager test selection). */
export function selectNodes(
  manifest: Manifest,
  command: DbtCommand,
  select: readonly string[] = [],
  exclude: readonly string[] = [],
  ctx: SelectionContext = {},
): string[] {
  const g = graphOf(manifest);
  const all = Object.values(manifest.nodes);
  let chosen = select.length ? matchExpression(manifest, g, select, ctx) : new Set(all.map((n) => n.id));
  // Tests follow their nodes. `test` takes a test when any node it reads is selected (dbt's eager mode);
  // `build` only when everything it reads is selected or upstream of the selection (dbt's buildable mode),
  // so a relationships test never runs against a parent this build does not build.
  if (select.length) {
    const upstream = command === 'build' ? walk(chosen, g.parents, Infinity) : new Set<string>();
    for (const n of all.filter((x) => x.resourceType === 'test' && !chosen.has(x.id))) {
      const reads = n.dependsOn.filter((p) => manifest.nodes[p]);
      const touches = reads.some((p) => chosen.has(p)) || (n.generic !== undefined && chosen.has(n.generic.attachedTo));
      if (!touches) continue;
      if (command !== 'build' || reads.every((p) => chosen.has(p) || upstream.has(p))) chosen.add(n.id);
    }
  }
  if (exclude.length) {
    const out = matchExpression(manifest, g, exclude, ctx);
    // Tests on an excluded node go with it (dbt's eager indirect selection).
    for (const n of all) if (n.resourceType === 'test' && n.dependsOn.some((p) => out.has(p))) out.add(n.id);
    chosen = new Set([...chosen].filter((id) => !out.has(id)));
  }
  const types = COMMAND_TYPES[command];
  // Ephemeral models build nothing: the models that ref them inline them, as dbt does.
  return all
    .filter((n) => chosen.has(n.id) && types.includes(n.resourceType) && n.config.materialized !== 'ephemeral')
    .map((n) => n.id);
}

/**
 * The edges a run orders by among `selected`: dependencies through unselected nodes count, and in
 * `build` a model's tests come before its children (unless that would make a cycle).
 */
export function runEdges(
  manifest: Manifest,
  selected: readonly string[],
  command: DbtCommand,
): Array<[string, string]> {
  const chosen = new Set(selected);
  const edges = new Set<string>();
  const nearestSelected = (id: string, seen = new Set<string>()): string[] => {
    const out: string[] = [];
    for (const p of manifest.nodes[id]?.dependsOn ?? []) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (chosen.has(p)) out.push(p);
      else if (manifest.nodes[p]) out.push(...nearestSelected(p, seen));
    }
    return out;
  };
  for (const id of selected) for (const p of nearestSelected(id)) edges.add(`${p}\u0000${id}`);
  if (command === 'build') {
    // As dbt does: a test blocks a node only when that node descends from every node the test reads.
    const g = graphOf(manifest);
    const ancestorsOf = new Map<string, Set<string>>();
    const ancestors = (id: string) => {
      let a = ancestorsOf.get(id);
      if (!a) ancestorsOf.set(id, (a = walk([id], g.parents, Infinity)));
      return a;
    };
    for (const t of selected.filter((id) => manifest.nodes[id].resourceType === 'test')) {
      const reads = manifest.nodes[t].dependsOn.filter((p) => manifest.nodes[p]);
      for (const child of new Set(reads.flatMap((p) => g.children.get(p) ?? []))) {
        if (!chosen.has(child) || manifest.nodes[child].resourceType === 'test') continue;
        if (reads.every((p) => ancestors(child).has(p))) edges.add(`${t}\u0000${child}`);
      }
    }
  }
  return [...edges].map((e) => e.split('\u0000') as [string, string]);
}
