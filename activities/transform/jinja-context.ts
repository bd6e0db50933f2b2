import type { JinjaGlobals, JinjaRenderer } from './jinja';
import { callPattern, kwargsOf, toPlainValue } from './jinja';
import type { Relation, TargetInfo } from './manifest-types';
import { DEFAULT_ENGINE, engineForTarget, engineNamed } from '../warehouse/engines';
import { agateTable, relationColumn, type QueryStore } from './packages/compile-queries';
import { jinjaModules } from './packages/jinja-modules';

/** dbt's `target.type` of the default engine. */
export const DEFAULT_TARGET_TYPE = engineNamed(DEFAULT_ENGINE).dbtType;

/** Quotes identifiers as the engine of dbt target type `type` stores unquoted names (Snowflake upper-cases them). */
export function quoterFor(type: string): (ident: string) => string {
  const { dialect } = engineForTarget(type);
  return (ident) => `"${dialect.storedCase(ident).replace(/"/g, '""')}"`;
}

/** Renders a relation as SQL for the target engine: `"schema"."identifier"`. */
export function renderRelation(r: Relation, type = DEFAULT_TARGET_TYPE): string {
  const q = quoterFor(type);
  return `${q(r.schema)}.${q(r.identifier)}`;
}

/** What a render needs to answer `ref`, `source`, `config`, `var`, `this`, `is_incremental`. */
export interface ContextInput {
  renderer: JinjaRenderer;
  target: TargetInfo;
  projectName: string;
  vars: Record<string, unknown>;
  /** `ref('name')` or `ref('package', 'name')`: the SQL to put in its place, or an error message. */
  ref(name: string, pkg?: string): { sql: string } | { error: string };
  source(sourceName: string, table: string): { sql: string } | { error: string };
  /** Receives each `config(...)` call's keyword arguments. */
  config?(kwargs: Record<string, unknown>): void;
  self?: Relation;
  isIncremental?: boolean;
  /** What `env_var(name)` returns before the process environment is read (a unit test's `overrides: env_vars`). */
  envVars?: Readonly<Record<string, unknown>>;
  /** dbt's `execute`: false while parsing, true when compiling for a run. */
  execute: boolean;
  /** dbt's `graph` (nodes and sources by unique id); empty while parsing, as in dbt. */
  graph?: Record<string, unknown>;
  /** Where `run_query` and `statement` find their results while compiling for a run (none while parsing). */
  queries?: QueryStore;
  /** Adapter methods that change the warehouse, where the render's caller carries out their changes (hooks). */
  adapterMethods?: JinjaGlobals;
  /** dbt's `flags.STORE_FAILURES`: the run's `--store-failures`. */
  storeFailures?: boolean;
  invocationId: string;
  runStartedAt: string;
}

/** The globals dbt gives a model, snapshot, or test template. */
export function dbtContext(c: ContextInput): JinjaGlobals {
  const { renderer } = c;
  const str = (v: unknown) => (typeof v === 'string' ? v : String(v));
  const globals: JinjaGlobals = {
    ref: (...args: unknown[]) => {
      const { positional, kwargs } = kwargsOf(args);
      const [a, b] = positional.map(str);
      if (!a) return renderer.fail('ref() needs a model name');
      const version = ['v', 'version'].find((k) => k in kwargs);
      if (version)
        return renderer.fail(
          `ref('${a}', ${version}=${str(kwargs[version])}): versioned models are not supported by edp yet`,
          callPattern('ref', a),
        );
      const r = b === undefined ? c.ref(a) : c.ref(b, a);
      return 'error' in r ? renderer.fail(r.error, callPattern('ref', ...(b === undefined ? [a] : [a, b]))) : r.sql;
    },
    source: (...args: unknown[]) => {
      const [s, t] = kwargsOf(args).positional.map(str);
      if (!s || !t) return renderer.fail('source() needs a source name and a table name');
      const r = c.source(s, t);
      return 'error' in r ? renderer.fail(r.error, callPattern('source', s, t)) : r.sql;
    },
    config: (...args: unknown[]) => {
      const { positional, kwargs } = kwargsOf(args);
      const first = positional[0];
      const given = first && typeof first === 'object' ? (toPlainValue(first) as Record<string, unknown>) : {};
      c.config?.({ ...given, ...kwargs });
      return '';
    },
    var: (...args: unknown[]) => {
      const { positional } = kwargsOf(args);
      const name = str(positional[0]);
      if (name in c.vars) {
        // A mapping from dbt_project.yml / --vars iterates in the order it was written, as in dbt.
        renderer.noteOrders(c.vars[name]);
        return c.vars[name];
      }
      if (positional.length > 1) return positional[1];
      return renderer.fail(
        `Required var '${name}' not found in config: set it in dbt_project.yml vars or --vars`,
        callPattern('var', name),
      );
    },
    env_var: (...args: unknown[]) => {
      const { positional } = kwargsOf(args);
      const name = str(positional[0]);
      const value = c.envVars && Object.hasOwn(c.envVars, name) ? c.envVars[name] : process.env[name];
      if (value !== undefined) return value;
      if (positional.length > 1) return positional[1];
      return renderer.fail(`Env var required but not provided: '${name}'`, callPattern('env_var', name));
    },
    is_incremental: () => Boolean(c.isIncremental),
    this: c.self
      ? {
          schema: c.self.schema,
          name: c.self.identifier,
          identifier: c.self.identifier,
          rendered: renderRelation(c.self, c.target.type),
          render: () => renderRelation(c.self!, c.target.type),
          incorporate: () => ({
            schema: c.self!.schema,
            name: c.self!.identifier,
            identifier: c.self!.identifier,
            render: () => renderRelation(c.self!, c.target.type),
          }),
        }
      : null,
    target: { ...c.target },
    project_name: c.projectName,
    execute: c.execute,
    invocation_id: c.invocationId,
    run_started_at: c.runStartedAt,
    exceptions: {
      raise_compiler_error: (msg: unknown) => renderer.fail(str(msg), /raise_compiler_error\(/),
      warn: () => '',
    },
    log: () => '',
    // Python's print (dbt's context has it): its text goes nowhere here, as rows may be PHI.
    print: () => '',
    // A hook run outside the node's transaction, written `post_hook=after_commit("…")`.
    before_begin: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    after_commit: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    doc: () => '',
    // Python sets compare without order (`set(a) != set(b)`): the same members give the same sorted list.
    set: (items: unknown) => [...new Set(Array.isArray(items) ? (items as unknown[]) : [])].sort(pythonOrder),
    flags: { WHICH: c.execute ? 'run' : 'parse', FULL_REFRESH: false, STORE_FAILURES: c.storeFailures === true },
    graph: c.graph ?? { nodes: {}, sources: {} },
    modules: jinjaModules(() => (Number.isNaN(Date.parse(c.runStartedAt)) ? new Date() : new Date(c.runStartedAt))),
    ...queryFunctions(c),
  };
  // dbt's `builtins`: ref, source and config even where a project macro overrides them.
  globals.builtins = { ref: globals.ref, source: globals.source, config: globals.config };
  return globals;
}

/** A total order on template values (numbers, then text, then the rest as JSON), for set members. */
function pythonOrder(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [a, b].map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A template value as text (`''` for none). */
const asText = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** Splits a rendered relation (`"schema"."table"`) into its parts. */
function relationParts(value: unknown): string[] {
  const rel = toPlainValue(value) as { schema?: unknown; identifier?: unknown } | null;
  // A relation object (`this`, `this.incorporate(…)`) that went through the template.
  if (rel && typeof rel === 'object' && typeof rel.schema === 'string' && typeof rel.identifier === 'string')
    return [rel.schema, rel.identifier];
  const text = typeof value === 'string' ? value : String((value as { render?: () => string })?.render?.() ?? value);
  return [...text.matchAll(/"((?:[^"]|"")*)"|([^."\s]+)/g)].map((m) => (m[1] ?? m[2]).replace(/""/g, '"'));
}

/**
 * Adapter methods that change the warehouse from a template: harmless while parsing, an error when run
 * outside a hook (a hook's render carries them out: adapter-effects.ts).
 */
function unsupportedAdapterMethods(c: ContextInput): JinjaGlobals {
  const names = [
    'drop_relation',
    'create_schema',
    'drop_schema',
    'rename_relation',
    'truncate_relation',
    'expand_target_column_types',
  ];
  return Object.fromEntries(
    names.map((name) => [
      name,
      () =>
        c.execute
          ? c.renderer.fail(
              `adapter.${name}() is supported by edp in hooks only, not in a model's SQL`,
              new RegExp(`adapter\\.${name}\\(`),
            )
          : '',
    ]),
  );
}

/** `run_query`, `statement`/`load_result` and the adapter methods that read the warehouse. */
function queryFunctions(c: ContextInput): JinjaGlobals {
  const loaded = new Map<string, unknown>();
  const query = (sql: string) => {
    const store = c.queries;
    if (!c.execute || !store) return agateTable(undefined);
    const text = sql.trim();
    const found = store.results.get(text);
    if (!found) store.pending.add(text);
    return agateTable(found);
  };
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  /** `adapter.get_relation(database, schema, identifier)`: the relation when it exists, else none. */
  const relationIfExists = (args: unknown[]) => {
    const { positional, kwargs } = kwargsOf(args);
    const schema = asText(kwargs.schema ?? positional[1]);
    const identifier = asText(kwargs.identifier ?? positional[2]);
    const t = query(
      `select table_name from information_schema.tables where table_schema = ${lit(schema)} and table_name = ${lit(identifier)}`,
    );
    // As SQL text, like ref(): what templates mostly do with a relation is print it.
    return t.rows.length ? renderRelation({ schema, identifier }, c.target.type) : null;
  };
  return {
    run_query: (sql: unknown) => query(String(sql)),
    edp__statement: (name: unknown, sql: unknown, fetch: unknown) => {
      // While parsing dbt runs no statement: load_result() gives none.
      if (!c.execute) return '';
      const table = query(String(sql));
      loaded.set(
        typeof name === 'string' ? name : 'main',
        fetch ? { data: table.rows, table, response: 'OK' } : { response: 'OK' },
      );
      return '';
    },
    api: {
      Relation: {
        create: (...args: unknown[]) => {
          const { kwargs } = kwargsOf(args);
          return renderRelation(
            { schema: asText(kwargs.schema), identifier: asText(kwargs.identifier) },
            c.target.type,
          );
        },
      },
    },
    load_result: (name: unknown) => loaded.get(String(name)) ?? null,
    load_relation: (relation: unknown) => {
      const [schema, identifier] = relationParts(relation).slice(-2);
      return relationIfExists([null, schema, identifier]);
    },
    adapter: {
      ...unsupportedAdapterMethods(c),
      ...c.adapterMethods,
      quote: (s: unknown) => `"${String(s)}"`,
      get_columns_in_relation: (relation: unknown) => {
        const [schema, table] = relationParts(relation).slice(-2);
        const t = query(
          `select column_name, data_type from information_schema.columns where table_schema = ${lit(schema ?? '')} and table_name = ${lit(table ?? '')} order by ordinal_position`,
        );
        return t.rows.map(([name, type]) => relationColumn(name, type));
      },
      get_relation: (...args: unknown[]) => relationIfExists(args),
    },
  };
}
