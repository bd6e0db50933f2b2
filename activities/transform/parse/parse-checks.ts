import { engineForTarget } from '../../warehouse/engines';
import { CompileError, lineOfCall } from '../jinja';
import type { ManifestNode } from '../manifest-types';
import { findFiles, type FoundFile } from '../project-files';
import type { ParseScope } from './parse-scope';

/**
 * Refusals at parse time: what the engine cannot run fails here, before any node runs, naming the file,
 * the line and the feature, instead of running wrong, running late or being skipped unseen.
 */

/** Materializations the engine builds, per resource type. */
const MATERIALIZATIONS: Record<ManifestNode['resourceType'], readonly string[]> = {
  model: ['view', 'table', 'incremental', 'ephemeral'],
  seed: ['seed'],
  snapshot: ['snapshot'],
  test: ['test'],
};

/** Incremental strategies the engine runs (`merge` as `delete+insert`); all but `append` need a unique_key. */
const INCREMENTAL_STRATEGIES = ['append', 'delete+insert', 'merge'];

/** Python models (`.py` under the model paths): the engine runs SQL only. */
export function refusePythonModels(scope: ParseScope): void {
  const [py] = findFiles(scope.dir, scope.project.modelPaths, ['.py']);
  if (py) {
    throw new CompileError(
      `${py.path}:1: Python models are not supported by edp (it runs SQL models only); rewrite it in SQL or remove it`,
    );
  }
}

/** `file:line` where a node sets `key`: its `config(key=…)` call, else the node's file. */
function whereSet(n: ManifestNode, key: string): string {
  const pattern = new RegExp(`\\b${key.replace(/[-+]/g, '[-_]')}\\s*[=:]`);
  return pattern.test(n.rawSql) ? `${n.path}:${lineOfCall(n.rawSql, pattern)}` : n.path;
}

/** Materializations, incremental strategies, snapshot strategies and contracts each node's config asks for. */
export function checkNodeConfigs(nodes: readonly ManifestNode[], targetType: string): void {
  const files = Boolean(engineForTarget(targetType).dbtAdapter?.externalFiles);
  // dbt-duckdb's `external` writes files the engine's warehouse reads back; other engines have no such adapter.
  const models = files ? [...MATERIALIZATIONS.model, 'external'] : MATERIALIZATIONS.model;
  for (const n of nodes) {
    const m = String(n.config.materialized);
    if (!(n.resourceType === 'model' ? models : MATERIALIZATIONS[n.resourceType]).includes(m)) {
      const what =
        m === 'external'
          ? `materialized='external' (dbt-duckdb's external files) is not supported by edp on ${targetType}, only on DuckDB`
          : `materialized='${m}' is not supported by edp for a ${n.resourceType}`;
      const use = n.resourceType === 'model' ? ` (use ${models.join(', ')})` : '';
      throw new CompileError(`${whereSet(n, 'materialized')}: ${n.name}: ${what}${use}`);
    }
    if (m === 'external') checkExternalFormat(n);
    if (m === 'incremental') {
      const strategy = n.config.incremental_strategy;
      if (strategy !== undefined && !INCREMENTAL_STRATEGIES.includes(strategy)) {
        throw new CompileError(
          `${whereSet(n, 'incremental_strategy')}: ${n.name}: incremental_strategy '${strategy}' is not supported by edp (use ${INCREMENTAL_STRATEGIES.join(' or ')})`,
        );
      }
      if (strategy !== undefined && strategy !== 'append' && !n.config.unique_key) {
        throw new CompileError(
          `${whereSet(n, 'incremental_strategy')}: ${n.name}: incremental_strategy '${strategy}' needs a unique_key`,
        );
      }
    }
    if (n.resourceType === 'snapshot' && n.config.strategy !== 'timestamp' && n.config.strategy !== 'check') {
      throw new CompileError(`${n.path}: snapshot ${n.name} needs strategy 'timestamp' or 'check'`);
    }
    if (hasEnforcedContract(n)) checkContractDeclared(n);
  }
}

/** The file formats dbt-duckdb's `external` materialization writes. */
export const EXTERNAL_FORMATS = ['parquet', 'csv', 'json'];

/** An external model's `format`, when set, is one dbt-duckdb writes (it fails the model otherwise; here the plan). */
function checkExternalFormat(n: ManifestNode): void {
  const format = n.config.format;
  if (format !== undefined && !(typeof format === 'string' && EXTERNAL_FORMATS.includes(format))) {
    throw new CompileError(
      `${whereSet(n, 'format')}: ${n.name}: format '${typeof format === 'string' ? format : JSON.stringify(format)}' is not one materialized='external' writes (${EXTERNAL_FORMATS.join(', ')})`,
    );
  }
}

/**
 * Calls on `adapter.` the engine does not implement, in node SQL and the project's own macros (not
 * installed packages', whose calls for other adapters never run): refused at parse, not at run time.
 */
export function checkAdapterCalls(scope: ParseScope, nodes: readonly ManifestNode[]): void {
  const adapter = scope.parseContext().adapter;
  // `adapter.dispatch` is no method of the object: the macro rewrite resolves it (packages/jinja-rewrite.ts).
  const known = new Set(['dispatch', ...(adapter && typeof adapter === 'object' ? Object.keys(adapter) : [])]);
  const files: Array<Pick<FoundFile, 'path' | 'text'>> = [
    ...nodes.filter((n) => n.rawSql).map((n) => ({ path: n.path, text: n.rawSql })),
    ...scope.macroFiles.filter((f) => !f.path.startsWith('dbt_packages/')),
  ];
  for (const f of files) {
    for (const m of f.text.matchAll(/\badapter\s*\.\s*([A-Za-z_]\w*)/g)) {
      if (known.has(m[1])) continue;
      const line = f.text.slice(0, m.index).split('\n').length;
      throw new CompileError(
        `${f.path}:${line}: adapter.${m[1]} is not supported by edp (it offers ${[...known].map((k) => `adapter.${k}`).join(', ') || 'no adapter methods'})`,
      );
    }
  }
}

/** Whether a node's config enforces a model contract (`contract: {enforced: true}`). */
export function hasEnforcedContract(n: ManifestNode): boolean {
  const contract = n.config.contract as { enforced?: unknown } | undefined;
  return Boolean(contract && (contract.enforced === true || String(contract.enforced).toLowerCase() === 'true'));
}

/** An enforced contract as dbt requires it at parse: a model that builds a relation, a data_type for every column. */
function checkContractDeclared(n: ManifestNode): void {
  const where = `${n.path}: ${n.name}: enforced contract`;
  if (n.resourceType !== 'model' || n.config.materialized === 'ephemeral') {
    throw new CompileError(`${where}: only models that build a view or a table can have one`);
  }
  const columns = Object.entries(n.columns ?? {});
  if (!columns.length) throw new CompileError(`${where}: declares no columns`);
  const untyped = columns.filter(([, c]) => !c.data_type).map(([name]) => name);
  if (untyped.length) throw new CompileError(`${where}: columns without a data_type: ${untyped.join(', ')}`);
}
