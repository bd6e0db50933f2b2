import { writeManifest } from './manifest-store';
import type { Manifest, ManifestNode, NotRunResource, ResourceType, RunHookKind, TargetInfo } from './manifest-types';
import { DEFAULT_TARGET_TYPE } from './jinja-context';
import { parseProject } from './parse';
import { runEdges, selectNodes, unitTestsNamed, type DbtCommand } from './selection';
import type { SelectionContext } from './selector-methods';
import { deferToState, readStateManifest } from './state';
import { CompileError } from './jinja';

/** Input of `planTransform`: which project, command and selection. */
export interface PlanInput {
  /** A dbt project directory; relative paths resolve against the worker's working directory. */
  projectDir?: string;
  command?: DbtCommand;
  select?: string[];
  exclude?: string[];
  /** Override project vars (dbt `--vars`). */
  vars?: Record<string, unknown>;
  /**
   * Tables (`schema.table`) whose tests must stay separate nodes: the workflow runs a quality rule file
   * on them after the build, and their tests should see the table after it.
   */
  separateTestsOf?: string[];
  /** dbt's `--state`: the folder of an earlier run's manifest.json (ours or dbt-core's), for `state:` selectors. */
  state?: string;
  /** dbt's `--defer`: read unselected nodes from the `state` manifest's relations. */
  defer?: boolean;
  /** Materializations (`view`, `test`, …) whose nodes the workflow may run as local activities: they get `local`. */
  localMaterializations?: string[];
  /** Materializations (`view`, `test`, …) whose nodes the workflow may run several to one activity: they get `batch`. */
  batchMaterializations?: string[];
  /** dbt's `--store-failures`: manifest.json names every test's audit relation, as dbt-core's does. */
  storeFailures?: boolean;
}

/** A node as the workflow sees it: no SQL, no rows. */
export interface PlannedNode {
  id: string;
  /** `unit_test`: a dbt unit test, run before its model in `build` (a failing one skips the model). */
  type: ResourceType | 'unit_test';
  name: string;
  /** `schema.table` it builds (models, seeds, snapshots). */
  table?: string;
  /** Tests that read only this node: they run in the same activity, right after it. */
  tests?: Array<{ id: string; name: string }>;
  /** Its materialization is one of the plan input's `localMaterializations`. */
  local?: true;
  /** Its materialization is one of the plan input's `batchMaterializations`. */
  batch?: true;
}

/** The plan the workflow runs: node ids and edges, and where the manifest is; never SQL or rows. */
export interface TransformPlan {
  manifestFile: string;
  checksum: string;
  nodes: PlannedNode[];
  edges: Array<[parent: string, child: string]>;
  /** Declared resources this command would run under dbt but the engine does not (unit tests, semantic layer). */
  notRun?: NotRunResource[];
  /** The project's run hooks this command runs (`runProjectHooks`), when it has any. */
  runHooks?: RunHookKind[];
}

/** The default `target` of the embedded warehouse. */
export const DEFAULT_TARGET: TargetInfo = {
  name: 'edp',
  type: DEFAULT_TARGET_TYPE,
  schema: 'main',
  database: 'warehouse',
  threads: 4,
};

const tableOf = (n: ManifestNode) => (n.relation ? `${n.relation.schema}.${n.relation.identifier}` : undefined);

/**
 * Edges from a selected seed to the selected nodes reading it through a source: a `sources:` entry may
 * name a seed's table (jaffle-shop reads its `raw` seeds so), and those readers must wait for the load.
 */
export function seedSourceEdges(manifest: Manifest, selected: readonly string[]): Array<[string, string]> {
  const key = (r: { schema: string; identifier: string }) => `${r.schema}.${r.identifier}`.toLowerCase();
  const seedOf = new Map<string, string>();
  for (const id of selected) {
    const n = manifest.nodes[id];
    if (n.resourceType === 'seed' && n.relation) seedOf.set(key(n.relation), id);
  }
  const edges: Array<[string, string]> = [];
  for (const id of selected) {
    for (const p of manifest.nodes[id].dependsOn) {
      const source = manifest.sources[p];
      const seed = source && seedOf.get(key(source.relation));
      if (seed && seed !== id) edges.push([seed, id]);
    }
  }
  return edges;
}

/**
 * The unit tests a command runs, as dbt runs them: `build` those of its selected models, each after the
 * model's parents (its inputs' columns come from their tables) and before the model; `test` those of the
 * models the selection names, on their own. A unit test the selection names itself (by name,
 * `test_type:unit`) runs too; one the exclusion names, or whose model it excludes, does not.
 */
function unitTestsOf(
  manifest: Manifest,
  command: DbtCommand,
  input: PlanInput,
  selected: readonly string[],
  runOrder: ReadonlyArray<readonly [string, string]>,
  ctx: SelectionContext,
): { nodes: PlannedNode[]; edges: Array<[string, string]> } {
  const all = Object.values(manifest.unitTests ?? {});
  if (!all.length || (command !== 'build' && command !== 'test')) return { nodes: [], edges: [] };
  const models = new Set(
    command === 'build' ? selected : selectNodes(manifest, 'run', input.select, input.exclude, ctx),
  );
  const named = unitTestsNamed(manifest, input.select ?? [], ctx);
  const excluded = unitTestsNamed(manifest, input.exclude ?? [], ctx);
  const tests = all.filter((u) => (models.has(u.model) || named.has(u.id)) && !excluded.has(u.id));
  const nodes = tests.map((u) => ({
    id: u.id,
    type: 'unit_test' as const,
    name: `${manifest.nodes[u.model].name}::${u.name}`,
  }));
  if (command !== 'build') return { nodes, edges: [] };
  const planned = new Set(selected);
  const parents = runOrder.filter(([p]) => manifest.nodes[p]?.resourceType !== 'test');
  const edges = tests.flatMap((u): Array<[string, string]> => [
    ...(planned.has(u.model) ? [[u.id, u.model] as [string, string]] : []),
    ...parents.filter(([, child]) => child === u.model).map(([p]): [string, string] => [p, u.id]),
  ]);
  return { nodes, edges };
}

/**
 * Parses and plans a project (no warehouse access): the manifest, the selected nodes and their edges.
 * In `build`, a test that reads only one selected node runs in that node's activity, right after it
 * (one activity instead of one per test: most of a project's nodes are tests); its edges move to the node.
 */
export function planProject(
  projectDir: string,
  input: PlanInput,
  target: TargetInfo = DEFAULT_TARGET,
): { manifest: Manifest; plan: TransformPlan } {
  const manifest = parseProject(projectDir, { target, vars: input.vars });
  const command = input.command ?? 'build';
  const state = input.state ? readStateManifest(input.state) : undefined;
  if (input.defer && !state) throw new CompileError('--defer needs --state DIR (the manifest to defer to)');
  const ctx: SelectionContext = { state };
  const selected = selectNodes(manifest, command, input.select, input.exclude, ctx);
  if (input.defer && state) deferToState(manifest, state, selected);
  const manifestFile = writeManifest(manifest, { storeFailures: input.storeFailures });
  const chosen = new Set(selected);
  const separate = new Set(input.separateTestsOf ?? []);
  const local = new Set(input.localMaterializations ?? []);
  const batch = new Set(input.batchMaterializations ?? []);
  const bundledInto = new Map<string, string>();
  if (command === 'build') {
    for (const id of selected) {
      const n = manifest.nodes[id];
      if (n.resourceType !== 'test') continue;
      const reads = n.dependsOn.filter((p) => manifest.nodes[p]);
      const [only] = reads;
      if (reads.length !== 1 || !chosen.has(only)) continue;
      const table = tableOf(manifest.nodes[only]);
      if (table && separate.has(table)) continue;
      bundledInto.set(id, only);
    }
  }
  const nodes: PlannedNode[] = selected
    .filter((id) => !bundledInto.has(id))
    .map((id) => {
      const n = manifest.nodes[id];
      const table = tableOf(n);
      const tests = selected
        .filter((t) => bundledInto.get(t) === id)
        .map((t) => ({ id: t, name: manifest.nodes[t].name }));
      return {
        id,
        type: n.resourceType,
        name: n.name,
        ...(table ? { table } : {}),
        ...(tests.length ? { tests } : {}),
        ...(local.has(n.config.materialized ?? n.resourceType) ? { local: true as const } : {}),
        ...(batch.has(n.config.materialized ?? n.resourceType) ? { batch: true as const } : {}),
      };
    });
  const edges = new Map<string, [string, string]>();
  for (const [parent, child] of [...runEdges(manifest, selected, command), ...seedSourceEdges(manifest, selected)]) {
    const p = bundledInto.get(parent) ?? parent;
    if (bundledInto.has(child) || p === child) continue;
    edges.set(`${p}\u0000${child}`, [p, child]);
  }
  const unit = unitTestsOf(manifest, command, input, selected, [...edges.values()], ctx);
  nodes.push(...unit.nodes);
  for (const [p, c] of unit.edges) edges.set(`${p}\u0000${c}`, [p, c]);
  // The semantic layer is declared, never built (dbt's build runs none of it either).
  const notRun = command === 'build' ? (manifest.notRun ?? []) : [];
  // dbt runs on-run-start / on-run-end around every command that runs nodes (`edp dbt compile` runs none).
  const runHooks = command === 'compile' ? [] : (Object.keys(manifest.runHooks ?? {}) as RunHookKind[]);
  const plan: TransformPlan = {
    manifestFile,
    checksum: manifest.checksum,
    nodes,
    edges: [...edges.values()],
    ...(notRun.length ? { notRun } : {}),
    ...(runHooks.length ? { runHooks } : {}),
  };
  return { manifest, plan };
}
