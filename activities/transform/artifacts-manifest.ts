import { createHash, randomUUID } from 'node:crypto';
import { docBlocks, macroBlocks, nodeMacros } from './artifacts-macros';
import { dbtExposures, dbtUnitTests } from './artifacts-resources';
import type { Manifest, ManifestNode, ManifestSource } from './manifest-types';

/** The dbt-core release whose artifact schemas (manifest v12, run_results v6, catalog v1) these files follow. */
export const DBT_ARTIFACTS_VERSION = '1.10.23';

/** `metadata.dbt_schema_version` of dbt's manifest.json. */
export const MANIFEST_SCHEMA = 'https://schemas.getdbt.com/dbt/manifest/v12.json';

/** A dbt artifact object (manifest, run results, catalog): plain JSON. */
export type DbtJson = Record<string, unknown>;

/** The parts of a dbt manifest.json node the engine reads back (state comparison, deferral). */
export interface DbtManifestNode {
  unique_id: string;
  resource_type: string;
  name: string;
  database?: string | null;
  schema: string;
  alias?: string | null;
  checksum: { name: string; checksum: string };
  config?: Record<string, unknown>;
  test_metadata?: unknown;
  depends_on?: { nodes?: string[]; macros?: string[] };
  contract?: { enforced?: boolean; checksum?: string | null };
}

/** The parts of a dbt manifest.json macro the engine reads back (state comparison). */
export interface DbtManifestMacro {
  macro_sql?: string;
  depends_on?: { macros?: string[] };
}

/** A dbt manifest.json (v12) as read from a file: ours or dbt-core's. */
export interface DbtManifestFile {
  metadata: { dbt_schema_version?: string; project_name?: string; adapter_type?: string };
  nodes: Record<string, DbtManifestNode>;
  sources?: Record<string, DbtManifestNode & { identifier?: string }>;
  macros?: Record<string, DbtManifestMacro>;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** `"db"."schema"."table"`, as dbt's relation_name (quoted identifiers, as dbt-duckdb and dbt-snowflake quote). */
function relationName(database: string, schema: string, identifier: string): string {
  return [database, schema, identifier].map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

const DOCS = { show: true, node_color: null };

/** Materializations that build a table, where dbt also enforces (and checksums) the model's constraints. */
const ENFORCES_CONSTRAINTS = new Set(['table', 'incremental']);

/**
 * A node's contract as dbt records it: enforced or not and, when enforced on a model, dbt-core's checksum
 * over the columns' names, data types and constraints (sorted by name) and the materialization, so
 * `state:modified.contract` agrees with dbt's own manifests.
 */
function dbtContract(n: ManifestNode): DbtJson {
  const config = n.config.contract && typeof n.config.contract === 'object' ? n.config.contract : {};
  const enforced = (config as { enforced?: unknown }).enforced === true;
  const aliasTypes = (config as { alias_types?: unknown }).alias_types !== false;
  if (!enforced || n.resourceType !== 'model') return { enforced, alias_types: aliasTypes, checksum: null };
  const columns = Object.entries(n.columns ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let state = columns.map(([name, c]) => `|${name}${c.data_type ?? 'None'}[]`).join('');
  const materialized = n.config.materialized ?? 'view';
  if (ENFORCES_CONSTRAINTS.has(materialized)) state += `${materialized}[]`;
  return {
    enforced,
    alias_types: aliasTypes,
    checksum: createHash('sha256').update(state).digest('hex'),
  };
}

/** dbt's defaults for a node's config, overlaid with the node's own (hooks as dbt's `{sql, transaction, index}`). */
function dbtConfig(n: ManifestNode): Record<string, unknown> {
  const own = { ...n.config };
  for (const key of ['pre-hook', 'post-hook'])
    own[key] = ((own[key] as Array<{ sql: string; transaction: boolean }> | undefined) ?? []).map((h, index) => ({
      sql: h.sql,
      transaction: h.transaction,
      index,
    }));
  const contract = own.contract && typeof own.contract === 'object' ? own.contract : {};
  const base: Record<string, unknown> =
    n.resourceType === 'test'
      ? {
          enabled: true,
          alias: null,
          schema: 'dbt_test__audit',
          database: null,
          tags: [],
          meta: {},
          group: null,
          materialized: 'test',
          severity: 'ERROR',
          store_failures: null,
          store_failures_as: null,
          where: null,
          limit: null,
          fail_calc: 'count(*)',
          warn_if: '!= 0',
          error_if: '!= 0',
        }
      : {
          enabled: true,
          alias: null,
          schema: null,
          database: null,
          tags: [],
          meta: {},
          group: null,
          persist_docs: {},
          quoting: {},
          column_types: {},
          full_refresh: null,
          unique_key: null,
          on_schema_change: 'ignore',
          on_configuration_change: 'apply',
          grants: {},
          packages: [],
          docs: DOCS,
          event_time: null,
        };
  const config: Record<string, unknown> = {
    ...base,
    ...own,
    contract: { enforced: false, alias_types: true, ...contract },
  };
  if (n.resourceType === 'test') for (const key of ['pre-hook', 'post-hook', 'contract']) delete config[key];
  return config;
}

/** Columns as dbt writes them: every field, defaults where the properties file says nothing. */
function dbtColumns(n: ManifestNode): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(n.columns ?? {}).map(([name, c]) => [
      name,
      {
        name,
        description: c.description ?? '',
        meta: c.meta ?? {},
        data_type: c.data_type ?? null,
        constraints: [],
        quote: null,
        config: { meta: c.meta ?? {}, tags: c.tags ?? [] },
        tags: c.tags ?? [],
        granularity: null,
        doc_blocks: [],
      },
    ]),
  );
}

/** The node's file below its resource folder (`marts/orders.sql`), as dbt's `path`; a generic test's is `<alias>.sql`. */
function resourcePath(n: ManifestNode): string {
  if (n.generic) return `${typeof n.config.alias === 'string' ? n.config.alias : n.name}.sql`;
  return n.path.split('/').slice(1).join('/') || n.path;
}

/**
 * A node's relation as dbt's `relation_name` says it; null for ephemeral models and tests that store no failures.
 * With `--store-failures` (`storeFailuresFlag`) every test names its audit relation, as dbt-core's do, even one
 * whose `store_failures: false` keeps it from storing.
 */
export function nodeRelationName(m: Manifest, n: ManifestNode, storeFailuresFlag?: boolean): string | null {
  if (n.resourceType === 'test') {
    const audit = n.auditRelation;
    return audit && (n.config.store_failures === true || storeFailuresFlag === true)
      ? relationName(m.target.database, audit.schema, audit.identifier)
      : null;
  }
  return n.relation && n.config.materialized !== 'ephemeral'
    ? relationName(m.target.database, n.relation.schema, n.relation.identifier)
    : null;
}

/** One node of the engine's manifest in dbt's v12 shape. */
function dbtNode(m: Manifest, n: ManifestNode, createdAt: number, storeFailuresFlag?: boolean): DbtJson {
  const database = m.target.database;
  // A test's is its audit relation, named whether or not it stores failures there (as dbt does).
  const where = n.relation ?? n.auditRelation;
  const schema = where?.schema ?? m.target.schema;
  const alias = where?.identifier ?? (typeof n.config.alias === 'string' ? n.config.alias : n.name);
  const parents = n.dependsOn.map((p) => m.nodes[p]).filter((p): p is ManifestNode => !!p);
  const sources = n.dependsOn.map((p) => m.sources[p]).filter((s): s is ManifestSource => !!s);
  const common: DbtJson = {
    database,
    schema,
    name: n.name,
    resource_type: n.resourceType,
    package_name: m.projectName,
    path: resourcePath(n),
    original_file_path: n.path,
    unique_id: n.id,
    fqn: n.fqn,
    alias,
    // A generic test has no file of its own: dbt gives it no checksum and compares its metadata instead.
    checksum: n.generic ? { name: 'none', checksum: '' } : { name: 'sha256', checksum: n.checksum },
    config: dbtConfig(n),
    tags: n.config.tags ?? [],
    description: n.description ?? '',
    columns: dbtColumns(n),
    meta: n.config.meta ?? {},
    group: null,
    docs: DOCS,
    patch_path: null,
    build_path: null,
    unrendered_config: {},
    created_at: createdAt,
    relation_name: nodeRelationName(m, n, storeFailuresFlag),
    raw_code: n.generic ? `{{ test_${n.generic.name.split('.').pop()}(**_dbt_generic_test_kwargs) }}` : n.rawSql,
    doc_blocks: [],
    language: 'sql',
    refs: parents.map((p) => ({ name: p.name, package: null, version: null })),
    sources: sources.map((s) => [s.sourceName, s.name]),
    metrics: [],
    depends_on: { macros: nodeMacros(m.macros, n, m.target.type), nodes: n.dependsOn },
    compiled_path: null,
    contract: dbtContract(n),
  };
  if (n.resourceType === 'seed') {
    // A seed reads nothing: dbt's seed nodes carry no refs, sources or contract.
    const seed: DbtJson = { ...common, depends_on: { macros: [] }, root_path: m.projectDir };
    for (const key of ['refs', 'sources', 'metrics', 'compiled_path', 'contract', 'language']) delete seed[key];
    return seed;
  }
  if (n.resourceType === 'model')
    return {
      ...common,
      access: 'protected',
      constraints: [],
      version: null,
      latest_version: null,
      deprecation_date: null,
      primary_key: [],
      time_spine: null,
    };
  if (n.generic) {
    const g = n.generic;
    const target = m.nodes[g.attachedTo];
    const source = m.sources[g.attachedTo];
    const dot = g.name.indexOf('.');
    const call = source ? `source('${source.sourceName}', '${source.name}')` : `ref('${target?.name ?? ''}')`;
    return {
      ...common,
      column_name: g.column ?? null,
      file_key_name: source ? `sources.${source.sourceName}` : `models.${target?.name ?? ''}`,
      attached_node: source ? null : g.attachedTo,
      test_metadata: {
        name: dot > 0 ? g.name.slice(dot + 1) : g.name,
        kwargs: {
          ...g.kwargs,
          ...(g.column !== undefined ? { column_name: g.column } : {}),
          model: `{{ get_where_subquery(${call}) }}`,
        },
        namespace: dot > 0 ? g.name.slice(0, dot) : null,
      },
    };
  }
  return common;
}

/** One source table in dbt's v12 shape. */
function dbtSource(m: Manifest, s: ManifestSource, createdAt: number): DbtJson {
  const freshness = {
    warn_after: { count: null, period: null },
    error_after: { count: null, period: null },
    filter: null,
  };
  return {
    database: m.target.database,
    schema: s.relation.schema,
    name: s.name,
    resource_type: 'source',
    package_name: m.projectName,
    path: s.path,
    original_file_path: s.path,
    unique_id: s.id,
    fqn: [m.projectName, ...s.path.split('/').slice(1, -1), s.sourceName, s.name],
    source_name: s.sourceName,
    source_description: '',
    loader: '',
    identifier: s.relation.identifier,
    quoting: { database: null, schema: null, identifier: null, column: null },
    loaded_at_field: null,
    loaded_at_query: null,
    freshness,
    external: null,
    description: '',
    columns: {},
    meta: {},
    source_meta: {},
    tags: [],
    config: {
      enabled: true,
      event_time: null,
      freshness,
      loaded_at_field: null,
      loaded_at_query: null,
      meta: {},
      tags: [],
    },
    patch_path: null,
    unrendered_config: {},
    relation_name: relationName(m.target.database, s.relation.schema, s.relation.identifier),
    created_at: createdAt,
    unrendered_database: null,
    unrendered_schema: s.relation.schema,
    doc_blocks: [],
  };
}

/** The macros of the project, its packages and the engine's `dbt` namespace, by dbt's unique id, with their text. */
function dbtMacros(m: Manifest, createdAt: number): Record<string, DbtJson> {
  const out: Record<string, DbtJson> = {};
  for (const b of macroBlocks(m.projectDir, m.macros, m.target.type)) {
    out[b.id] = {
      name: b.name,
      resource_type: 'macro',
      package_name: b.pkg,
      path: b.path,
      original_file_path: b.path,
      unique_id: b.id,
      macro_sql: b.sql,
      depends_on: { macros: b.calls },
      description: '',
      meta: {},
      docs: DOCS,
      patch_path: null,
      arguments: [],
      created_at: createdAt,
      supported_languages: null,
    };
  }
  return out;
}

/** The project's `{% docs %}` blocks in dbt's shape. */
function dbtDocs(m: Manifest): Record<string, DbtJson> {
  return Object.fromEntries(
    docBlocks(m.projectDir).map((d) => [
      d.id,
      {
        name: d.name,
        resource_type: 'doc',
        package_name: m.projectName,
        path: d.path.split('/').slice(1).join('/'),
        original_file_path: d.path,
        unique_id: d.id,
        block_contents: d.contents,
      },
    ]),
  );
}

/** What a run's flags change in its manifest.json. */
export interface DbtManifestOptions {
  /** dbt's `--store-failures`: every test names its audit relation. */
  storeFailures?: boolean;
}

/**
 * The engine's manifest as dbt-core writes `target/manifest.json` (schema v12): nodes, sources, macros
 * (with their SQL), docs blocks, exposures, unit tests, parent_map and child_map with dbt's unique ids, so dbt docs, elementary, openlineage-dbt and `--state`
 * (ours or dbt's) can read it. `metadata.env.EDP_MANIFEST_CHECKSUM` names the engine's own planned manifest.
 */
export function dbtManifest(
  m: Manifest,
  invocationId: string = randomUUID(),
  options: DbtManifestOptions = {},
): DbtJson {
  const createdAt = Date.parse(m.generatedAt) / 1000;
  const nodes = Object.fromEntries(
    Object.values(m.nodes).map((n) => [n.id, dbtNode(m, n, createdAt, options.storeFailures)]),
  );
  const sources = Object.fromEntries(Object.values(m.sources).map((s) => [s.id, dbtSource(m, s, createdAt)]));
  const exposures = dbtExposures(m, createdAt);
  const parentMap: Record<string, string[]> = {};
  const childMap: Record<string, string[]> = {};
  for (const id of [...Object.keys(nodes), ...Object.keys(sources), ...Object.keys(exposures)]) {
    parentMap[id] = [];
    childMap[id] = [];
  }
  for (const n of Object.values(m.nodes)) {
    parentMap[n.id] = [...n.dependsOn].sort();
    for (const p of n.dependsOn) (childMap[p] ??= []).push(n.id);
  }
  for (const e of Object.values(exposures)) {
    const id = e.unique_id as string;
    const parents = (e.depends_on as { nodes: string[] }).nodes;
    parentMap[id] = [...parents].sort();
    for (const p of parents) (childMap[p] ??= []).push(id);
  }
  for (const list of Object.values(childMap)) list.sort();
  return {
    metadata: {
      dbt_schema_version: MANIFEST_SCHEMA,
      dbt_version: DBT_ARTIFACTS_VERSION,
      generated_at: m.generatedAt,
      invocation_id: invocationId,
      invocation_started_at: m.generatedAt,
      env: { EDP_MANIFEST_CHECKSUM: m.checksum },
      project_name: m.projectName,
      project_id: md5(m.projectName),
      user_id: null,
      send_anonymous_usage_stats: false,
      adapter_type: m.target.type,
      quoting: { database: true, schema: true, identifier: true, column: null },
    },
    nodes,
    sources,
    macros: dbtMacros(m, createdAt),
    docs: dbtDocs(m),
    exposures,
    metrics: {},
    groups: {},
    selectors: {},
    disabled: {},
    parent_map: parentMap,
    child_map: childMap,
    group_map: {},
    saved_queries: {},
    semantic_models: {},
    unit_tests: dbtUnitTests(m, createdAt),
  };
}
