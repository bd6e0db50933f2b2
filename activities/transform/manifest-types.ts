import type { MacroLibrary } from './packages/macro-library';
/** Kinds of node the engine runs, as dbt names them. */
export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test';

/** Where a node's result lives (or, for sources, where it is read from). */
export interface Relation {
  schema: string;
  identifier: string;
}

/** A generic test from a properties file (`unique`, `not_null`, …, or a project `{% test %}`). */
export interface GenericTest {
  name: string;
  /** The node the test is attached to (or the source, `source.<project>.<source>.<table>`). */
  attachedTo: string;
  column?: string;
  /** Arguments besides `model` and `column_name` (e.g. `values`, `to`, `field`). */
  kwargs: Record<string, unknown>;
}

/** One node of the project: model, seed, snapshot, or test. */
export interface ManifestNode {
  /** `model.<project>.<name>`, `seed.…`, `snapshot.…`, `test.…`. */
  id: string;
  resourceType: ResourceType;
  name: string;
  /** Project, folders, name: what selectors such as `path:` and `dbt_project.yml` configs match. */
  fqn: string[];
  /** File relative to the project dir. */
  path: string;
  /** The Jinja-SQL body (the `{% snapshot %}` block's inside for snapshots; empty for seeds and generic tests). */
  rawSql: string;
  /** Effective config: dbt_project.yml, then properties files, then `config()` in the file. */
  config: NodeConfig;
  /** Ids of the nodes and sources it reads. */
  dependsOn: string[];
  /** Where it materializes (tests: none). */
  relation?: Relation;
  /** A test's audit relation, `<target schema>_dbt_test__audit.<alias>`, where `store_failures` keeps its failing rows. */
  auditRelation?: Relation;
  generic?: GenericTest;
  description?: string;
  /** Columns its properties declare: description, `data_type` (what an enforced contract checks), and `meta` / `tags` (sensitivity tags for governance). */
  columns?: Record<
    string,
    { description?: string; data_type?: string; meta?: Record<string, unknown>; tags?: string[] }
  >;
  /** sha256 of the file (generic tests: of their definition). */
  checksum: string;
}

/** Configs the engine reads; anything else is carried along untouched. */
export interface NodeConfig {
  enabled?: boolean;
  materialized?: string;
  schema?: string;
  alias?: string;
  tags?: string[];
  unique_key?: string | string[];
  incremental_strategy?: string;
  full_refresh?: boolean;
  severity?: string;
  where?: string;
  strategy?: string;
  updated_at?: string;
  check_cols?: string | string[];
  target_schema?: string;
  column_types?: Record<string, string>;
  delimiter?: string;
  [key: string]: unknown;
}

/** A resource of a properties file the engine does not run (unit tests, the semantic layer), reported by name. */
export interface NotRunResource {
  /** `unit_test`, `semantic_model`, `metric`, `saved_query`. */
  kind: string;
  name: string;
  /** The properties file declaring it. */
  path: string;
  /** Why it does not run, as the run summary says it. */
  reason: string;
}

/** A source table from a properties file. */
export interface ManifestSource {
  id: string;
  sourceName: string;
  name: string;
  relation: Relation;
  path: string;
  /** dbt-duckdb's `external_location` (source or table `meta` / `config`), `{name}` placeholders filled: read from files. */
  externalLocation?: string;
  /** The column `dbt source freshness` takes the latest load time from (table's, else source's). */
  loadedAtField?: string;
  /** Freshness thresholds, merged source → table as dbt merges them; absent when none applies. */
  freshness?: FreshnessThreshold;
}

/** dbt's freshness criteria: age limits for a warning and an error, and a `where` filter on the rows. */
export interface FreshnessThreshold {
  warn_after?: FreshnessTime;
  error_after?: FreshnessTime;
  filter?: string;
}

/** An age limit, `{count: 12, period: hour}`. */
export interface FreshnessTime {
  count?: number;
  period?: 'minute' | 'hour' | 'day';
}

/** Everything a run needs, written once by the plan step to `target/`. */
export interface Manifest {
  projectName: string;
  projectDir: string;
  targetPath: string;
  /** sha256 over every input: files, vars, target. Names the manifest file the run reads. */
  checksum: string;
  vars: Record<string, unknown>;
  target: TargetInfo;
  nodes: Record<string, ManifestNode>;
  sources: Record<string, ManifestSource>;
  /** Declared resources the engine does not run; every run reports them. */
  notRun?: NotRunResource[];
  /** The project's unit tests by id, when it has any. */
  unitTests?: Record<string, UnitTest>;
  /** `on-run-start` / `on-run-end`, when the project has them. */
  runHooks?: Partial<Record<RunHookKind, Hook[]>>;
  /** The macro library of the project and its packages. */
  macros: MacroLibrary;
  generatedAt: string;
}

/** dbt's `target`: where models go unless a schema config says otherwise. */
export interface TargetInfo {
  name: string;
  type: string;
  schema: string;
  database: string;
  threads: number;
}

/** A hook's SQL (unrendered) and whether it runs in the hook's transaction (dbt's `before_begin` / `after_commit` say no). */
export interface Hook {
  sql: string;
  transaction: boolean;
}

/** dbt_project.yml's run hooks: SQL run once before the run's nodes and once after them. */
export type RunHookKind = 'on-run-start' | 'on-run-end';

/** Rows of a unit test's input or expectation: written as data (`dict`, `csv`: every value text) or as SQL. */
export type UnitTestRows =
  { format: 'dict' | 'csv'; rows: Array<Record<string, unknown>> } | { format: 'sql'; sql: string };

/** A dbt unit test (`unit_tests:` in a properties file): the model's SQL on given rows, compared with expected ones. */
export interface UnitTest {
  /** `unit_test.<project>.<model>.<name>`, as dbt names it. */
  id: string;
  name: string;
  /** The tested model's node id. */
  model: string;
  /** The properties file and the line of its entry. */
  path: string;
  line: number;
  /** Each input replaced: a node id, a source id, or `this` (the model itself, for incremental models). */
  given: Array<UnitTestRows & { input: string; replaces: string }>;
  expect: UnitTestRows;
  /** `overrides`: vars, env_vars, and macro results (`is_incremental`, or macros the project does not define). */
  overrides?: { vars?: Record<string, unknown>; envVars?: Record<string, unknown>; macros?: Record<string, unknown> };
}
