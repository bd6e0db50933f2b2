import { CompileError, JinjaRenderer, kwargsOf, type JinjaGlobals } from './jinja';
import { dbtContext, quoterFor, renderRelation } from './jinja-context';
import type { GenericTest, Manifest, ManifestNode, ManifestSource } from './manifest-types';
import { genericTestMacro } from './packages/macro-library';
import { sourceSql } from './external-location';
import { prefetchQueries, queryStore, type QueryResult } from './packages/compile-queries';
import { storedFailuresKind } from './store-failures-config';

/** How one run compiles: which relations exist decides `is_incremental()`. */
export interface CompileOptions {
  invocationId: string;
  runStartedAt: string;
  /** True when the node is incremental, its table exists and the run is not a full refresh. */
  isIncremental?: boolean;
  /** Globals besides dbt's (run hooks' `results`, `schemas`). */
  globals?: JinjaGlobals;
  /** Values `env_var()` returns instead of the environment's (a unit test's `overrides: env_vars`). */
  envVars?: Readonly<Record<string, unknown>>;
  /** Adapter methods that change the warehouse, carried out by the caller after the render (hooks). */
  adapterMethods?: JinjaGlobals;
  /** dbt's `--store-failures`: tests that configure neither `store_failures` nor `store_failures_as` store theirs. */
  storeFailures?: boolean;
}

/** One renderer per manifest (macros parsed once per worker). */
const renderers = new Map<string, JinjaRenderer>();

/** The Jinja renderer holding this manifest's macros. */
export function rendererFor(manifest: Manifest): JinjaRenderer {
  let r = renderers.get(manifest.checksum);
  if (!r) {
    if (renderers.size > 8) renderers.clear();
    r = new JinjaRenderer(manifest.macros);
    renderers.set(manifest.checksum, r);
  }
  return r;
}

const cteName = (n: ManifestNode) => `__dbt__cte__${n.name}`;

/** Renders a node's SQL with refs and sources resolved; ephemeral models referenced are inlined as CTEs. */
export function compileNode(manifest: Manifest, node: ManifestNode, options: CompileOptions): string {
  return withQueries(node, options, () => {
    const ctes: Array<[string, string]> = [];
    return injectCtes(renderNode(manifest, node, options, ctes, new Set([node.id])), ctes);
  });
}

/**
 * Compiles with `compile`, failing when it needed a query result nobody fetched (see
 * {@link prefetchNodeQueries}); a template error after such a query is reported as that.
 */
function withQueries(node: ManifestNode, options: CompileOptions, compile: () => string): string {
  const { pending } = queryStore(options.invocationId);
  pending.clear();
  const missing = () =>
    new CompileError(
      `${node.path}: run_query/statement needs the warehouse while compiling (query: ${[...pending][0].slice(0, 200)})`,
    );
  let sql: string;
  try {
    sql = compile();
  } catch (err) {
    if (pending.size) throw missing();
    throw err;
  }
  if (pending.size) throw missing();
  return sql;
}

/**
 * Runs the queries a node's templates ask for (`run_query`, `statement`, `adapter.get_columns_in_relation`)
 * with `run`, so the synchronous compile that follows finds their results.
 */
export async function prefetchNodeQueries(
  manifest: Manifest,
  node: ManifestNode,
  options: CompileOptions,
  run: (sql: string) => Promise<QueryResult>,
): Promise<void> {
  const store = queryStore(options.invocationId);
  const incremental = node.config.materialized === 'incremental' ? [false, true] : [false];
  for (const isIncremental of incremental) {
    await prefetchQueries(
      store,
      () =>
        node.resourceType === 'test'
          ? testSql(manifest, node, options)
          : compileNode(manifest, node, { ...options, isIncremental }),
      run,
    );
  }
}

const nameIndex = new WeakMap<Manifest, Map<string, ManifestNode>>();

function byName(manifest: Manifest, name: string): ManifestNode | undefined {
  let index = nameIndex.get(manifest);
  if (!index) {
    index = new Map(
      Object.values(manifest.nodes)
        .filter((n) => n.resourceType !== 'test')
        .map((n) => [n.name, n]),
    );
    nameIndex.set(manifest, index);
  }
  return index.get(name);
}

const graphs = new WeakMap<Manifest, Record<string, unknown>>();

/** dbt's `graph` of a manifest: nodes and sources by unique id, with the attributes macros read. */
function graphOf(manifest: Manifest): Record<string, unknown> {
  let graph = graphs.get(manifest);
  if (!graph) {
    const byId = <T extends { id: string; name: string }>(items: T[], more: (x: T) => Record<string, unknown>) =>
      Object.fromEntries(items.map((x) => [x.id, { unique_id: x.id, name: x.name, ...more(x) }]));
    const nodes = byId(Object.values(manifest.nodes), (n) => ({
      resource_type: n.resourceType,
      package_name: manifest.projectName,
      path: n.path,
      original_file_path: n.path,
      fqn: n.fqn,
      config: n.config,
      schema: n.relation?.schema,
      alias: n.relation?.identifier,
      depends_on: { nodes: n.dependsOn },
    }));
    const sources = byId(Object.values(manifest.sources), (x) => ({
      source_name: x.sourceName,
      resource_type: 'source',
      schema: x.relation.schema,
      identifier: x.relation.identifier,
    }));
    graph = { nodes, sources };
    graphs.set(manifest, graph);
  }
  return graph;
}

/** The dbt context of a run: refs resolve to built relations, ephemeral refs to what `ephemeral` says. */
function runContext(
  manifest: Manifest,
  options: CompileOptions,
  node: ManifestNode | undefined,
  ephemeral: (target: ManifestNode) => { sql: string } | { error: string },
) {
  const context = dbtContext({
    renderer: rendererFor(manifest),
    target: manifest.target,
    projectName: manifest.projectName,
    vars: manifest.vars,
    execute: true,
    queries: queryStore(options.invocationId),
    adapterMethods: options.adapterMethods,
    storeFailures: options.storeFailures,
    // Only when a template reads it: handing the graph to minijinja costs time at every render.
    graph:
      /\bgraph\b/.test(manifest.macros.source) || (node && /\bgraph\b/.test(node.rawSql))
        ? graphOf(manifest)
        : undefined,
    invocationId: options.invocationId,
    runStartedAt: options.runStartedAt,
    self: node?.relation,
    isIncremental: options.isIncremental,
    envVars: options.envVars,
    ref: (name) => {
      const target = byName(manifest, name);
      if (!target?.relation) return { error: `ref('${name}') names no model, seed or snapshot in this project` };
      return target.config.materialized === 'ephemeral'
        ? ephemeral(target)
        : { sql: renderRelation(target.relation, manifest.target.type) };
    },
    source: (s, t) => {
      const src = manifest.sources[`source.${manifest.projectName}.${s}.${t}`];
      return src ? { sql: sourceSql(manifest, src) } : { error: `source('${s}', '${t}') is not defined` };
    },
  });
  // What dbt's `should_store_failures()` answers inside a test's SQL.
  const storing =
    node?.resourceType === 'test' ? { edp__store_failures: !!storedFailuresKind(node, options.storeFailures) } : {};
  return { ...context, ...storing, ...options.globals };
}

function renderNode(
  manifest: Manifest,
  node: ManifestNode,
  options: CompileOptions,
  ctes: Array<[string, string]>,
  stack: Set<string>,
): string {
  const renderer = rendererFor(manifest);
  // Ephemeral models render after this one: minijinja cannot render from inside a callback.
  const ephemerals: ManifestNode[] = [];
  const context = runContext(manifest, options, node, (target) => {
    if (stack.has(target.id)) return { error: `ephemeral models form a cycle through '${target.name}'` };
    if (!ephemerals.includes(target)) ephemerals.push(target);
    return { sql: cteName(target) };
  });
  const sql = renderer.render(node.path, node.rawSql, context).trim().replace(/;\s*$/, '');
  for (const e of ephemerals) {
    if (ctes.some(([n]) => n === cteName(e))) continue;
    const inner = renderNode(manifest, e, { ...options, isIncremental: false }, ctes, new Set([...stack, e.id]));
    ctes.push([cteName(e), inner]);
  }
  return sql;
}

/** Puts `ctes` in front of `sql`, merging into its own `with` if it has one. */
export function injectCtes(sql: string, ctes: ReadonlyArray<readonly [string, string]>): string {
  if (ctes.length === 0) return sql;
  const defs = ctes.map(([name, body]) => `${name} as (\n${body}\n)`).join(',\n');
  const lead = /^(\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*/.exec(sql)![0];
  const rest = sql.slice(lead.length);
  const withMatch = /^with(\s+recursive)?\s/i.exec(rest);
  if (withMatch) return `${lead}${withMatch[0]}${defs},\n${rest.slice(withMatch[0].length)}`;
  return `${lead}with ${defs}\n${rest}`;
}

/** `fail_calc` set by a generic test's macro through `config()`, by test id (known once it rendered). */
const macroFailCalc = new Map<string, string>();

/** The expression dbt counts a test's failures with: the test's `fail_calc` config, its macro's, else `count(*)`. */
export function failCalcOf(test: ManifestNode): string {
  const own = test.config.fail_calc;
  return typeof own === 'string' && own.trim() ? own : (macroFailCalc.get(test.id) ?? 'count(*)');
}

/**
 * A test's `limit` config as the clause dbt puts after its query before counting failures (`''` when unset).
 * dbt stores every failing row and counts at most `limit` of them.
 */
export function testLimitClause(test: ManifestNode): string {
  const limit = test.config.limit;
  if (limit === undefined || limit === null) return '';
  const n = typeof limit === 'string' && /^\s*\d+\s*$/.test(limit) ? Number(limit) : limit;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new CompileError(`${test.path}: test ${test.name}: limit ${JSON.stringify(limit)} is not a whole number ≥ 0`);
  return `\nlimit ${n}`;
}

/** The relation a generic test reads, as SQL, with its `where` config applied. */
function testedRelation(manifest: Manifest, test: ManifestNode, options: CompileOptions): string {
  const g = test.generic!;
  const source = manifest.sources[g.attachedTo] as ManifestSource | undefined;
  const attached = manifest.nodes[g.attachedTo] ?? source;
  if (!attached?.relation)
    throw new CompileError(`${test.path}: test ${test.name} is attached to ${g.attachedTo}, which has no table`);
  const rel = source
    ? sourceSql(manifest, source)
    : attached.config.materialized === 'ephemeral'
      ? cteName(attached)
      : renderRelation(attached.relation, manifest.target.type);
  if (!test.config.where) return rel;
  // `where` may hold Jinja (`{{ var('since') }}`), rendered like a model.
  const where = String(test.config.where);
  const rendered =
    where.includes('{{') || where.includes('{%')
      ? rendererFor(manifest).render(
          `${test.path} (where of ${test.name})`,
          where,
          runContext(manifest, options, undefined, (e) => ({
            error: `ephemeral model '${e.name}' cannot be used in a test's where`,
          })),
        )
      : where;
  return `(select * from ${rel} where ${rendered.trim()}) dbt_subquery`;
}

function literal(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** The failing-rows query of a test node: a generic test's SQL, or a singular test's compiled SQL. */
export function testSql(manifest: Manifest, test: ManifestNode, options: CompileOptions): string {
  const g = test.generic;
  if (!g) return compileNode(manifest, test, options);
  return withQueries(test, options, () => {
    const sql = genericTestSql(manifest, test, g, options);
    // A test of an ephemeral model reads it as a CTE, as dbt inlines it.
    const attached = manifest.nodes[g.attachedTo] as ManifestNode | undefined;
    if (attached?.config.materialized !== 'ephemeral') return sql;
    const ctes: Array<[string, string]> = [];
    const body = renderNode(manifest, attached, { ...options, isIncremental: false }, ctes, new Set([attached.id]));
    return injectCtes(sql, [...ctes, [cteName(attached), body]]);
  });
}

function genericTestSql(manifest: Manifest, test: ManifestNode, g: GenericTest, options: CompileOptions): string {
  const q = quoterFor(manifest.target.type);
  const model = testedRelation(manifest, test, options);
  const col = g.column ?? (typeof g.kwargs.column_name === 'string' ? g.kwargs.column_name : undefined);
  const column = col === undefined ? undefined : /^[A-Za-z_][A-Za-z0-9_]*$/.test(col) ? q(col) : col;
  const needColumn = () => {
    if (!column) throw new CompileError(`${test.path}: test ${g.name} on ${g.attachedTo} needs a column`);
    return column;
  };
  // The project's own `{% test unique %}` (not_null, …) replaces dbt's, as dbt's macro namespace puts the root first.
  const builtin = genericTestMacro(manifest.macros, g.name)?.startsWith(`${manifest.macros.root}.`)
    ? undefined
    : g.name;
  switch (builtin) {
    case 'not_null':
      // dbt's not_null keeps whole rows when they are stored (`should_store_failures`).
      return `select ${storedFailuresKind(test, options.storeFailures) ? '*' : needColumn()} from ${model} where ${needColumn()} is null`;
    case 'unique':
      return `select ${needColumn()} as unique_field, count(*) as n_records from ${model} where ${needColumn()} is not null group by ${needColumn()} having count(*) > 1`;
    case 'accepted_values': {
      const quote = g.kwargs.quote !== false;
      const values = (g.kwargs.values as unknown[]).map((v) => (quote ? literal(String(v)) : String(v))).join(', ');
      return `with all_values as (select ${needColumn()} as value_field, count(*) as n_records from ${model} group by ${needColumn()}) select * from all_values where value_field not in (${values})`;
    }
    case 'relationships': {
      const parentId = test.dependsOn.find((d) => d !== g.attachedTo);
      const parentSource = parentId ? manifest.sources[parentId] : undefined;
      const parent = parentId ? (manifest.nodes[parentId] ?? parentSource) : undefined;
      const to = parentSource
        ? sourceSql(manifest, parentSource)
        : parent?.relation
          ? renderRelation(parent.relation, manifest.target.type)
          : model;
      return `with child as (select ${needColumn()} as from_field from ${model} where ${needColumn()} is not null), parent as (select ${q(String(g.kwargs.field))} as to_field from ${to}) select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null`;
    }
    default: {
      const renderer = rendererFor(manifest);
      // An argument written as `ref('x')` or `source('s', 't')` is that relation, as dbt renders it.
      const isRelation = (v: unknown) => typeof v === 'string' && /^\s*(ref|source)\([^{}%]*\)\s*$/.test(v);
      const args = Object.entries(g.kwargs).map(([k, v]) => `${k}=${isRelation(v) ? String(v) : `__arg_${k}`}`);
      const macro = genericTestMacro(manifest.macros, g.name) ?? `test_${g.name}`;
      const call = `{{ ${macro}(model=__model, ${col ? 'column_name=__column, ' : ''}${args.join(', ')}) }}`;
      const sql = renderer
        .render(`${test.path} (test ${g.name})`, call, {
          __model: model,
          // As written, as dbt passes it (a macro may put it in a string or build a name from it).
          __column: col ?? null,
          ...Object.fromEntries(Object.entries(g.kwargs).map(([k, v]) => [`__arg_${k}`, v])),
          ...runContext(manifest, options, test, (e) => ({
            error: `ephemeral model '${e.name}' cannot be tested`,
          })),
          // The test macro's `config(fail_calc=…)`, which dbt reads at parse (the entry's own config wins).
          config: (...configArgs: unknown[]) => {
            const calc = kwargsOf(configArgs).kwargs.fail_calc;
            if (typeof calc === 'string' && calc.trim()) macroFailCalc.set(test.id, calc.trim());
            return '';
          },
        })
        .trim()
        .replace(/;\s*$/, '');
      return sql;
    }
  }
}
