import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtManifest, type DbtManifestFile, type DbtManifestNode } from './artifacts-manifest';
import { CompileError } from './jinja';
import type { Manifest } from './manifest-types';

/** Reads `<dir>/manifest.json` of an earlier run (ours or dbt-core's, schema v10–v12), for `--state`. */
export function readStateManifest(dir: string): DbtManifestFile {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file))
    throw new CompileError(`--state ${dir}: there is no manifest.json in it (copy a run's target/)`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as DbtManifestFile;
  const version = /manifest\/v(\d+)\.json$/.exec(m.metadata?.dbt_schema_version ?? '')?.[1];
  if (!m.nodes || !version || Number(version) < 10)
    throw new CompileError(
      `${file}: not a dbt manifest of schema v10 to v12 (metadata.dbt_schema_version is ${m.metadata?.dbt_schema_version ?? 'missing'})`,
    );
  return m;
}

/** Config values that say nothing: unset, empty, or dbt's default (dbt's manifests write every default). */
const DEFAULTS: Record<string, unknown> = {
  enabled: true,
  lookback: 1,
  on_schema_change: 'ignore',
  on_configuration_change: 'apply',
  access: 'protected',
  docs: { show: true, node_color: null },
  contract: { enforced: false, alias_types: true },
  severity: 'error',
  fail_calc: 'count(*)',
  warn_if: '!= 0',
  error_if: '!= 0',
  delimiter: ',',
};

/** Kinds of config that do not change what a node builds, as dbt leaves them out of state:modified.configs. */
const IGNORED = new Set(['schema', 'database', 'alias', 'materialized', 'quote_columns', 'persist_docs']);

function meaningfulConfig(node: DbtManifestNode): string {
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(node.config ?? {})) {
    const v = typeof raw === 'string' && k === 'severity' ? raw.toLowerCase() : raw;
    if (v === null || v === undefined || IGNORED.has(k)) continue;
    // A generic test's macro may set fail_calc with config(): dbt records it at parse, the engine when it runs.
    if (k === 'fail_calc' && node.test_metadata) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    if (JSON.stringify(v) === JSON.stringify(DEFAULTS[k])) continue;
    out[k] = Array.isArray(v)
      ? (v as unknown[]).map((h) => (h && typeof h === 'object' ? { ...h, index: null } : h))
      : v;
  }
  return JSON.stringify(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}

/** JSON with every mapping's keys sorted: equal values give equal text whatever order they were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The macros whose text differs between the two manifests, or that only one has, as dbt's
 * `state:modified.macros` finds them. The `dbt` namespace is left out: it is the adapter's own code
 * (dbt-core's or the engine's), so comparing a state manifest of dbt-core would flag every node calling
 * a cross-database macro.
 */
function modifiedMacros(now: DbtManifestFile, old: DbtManifestFile): Set<string> {
  const a = now.macros ?? {};
  const b = old.macros ?? {};
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((id) => !id.startsWith('macro.dbt.'));
  return new Set(ids.filter((id) => !a[id] || !b[id] || a[id].macro_sql !== b[id].macro_sql));
}

/** True when a macro the node calls, directly or through other macros, is among `modified`. */
function callsModified(
  node: DbtManifestNode,
  macros: DbtManifestFile['macros'],
  modified: ReadonlySet<string>,
): boolean {
  const seen = new Set<string>();
  const pending = [...(node.depends_on?.macros ?? [])];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (modified.has(id)) return true;
    pending.push(...(macros?.[id]?.depends_on?.macros ?? []));
  }
  return false;
}

/** dbt's `same_contract` turned round: a model's contract newly enforced, no longer enforced, or its checksum changed. */
function contractChanged(now: DbtManifestNode, old: DbtManifestNode): boolean {
  if (old.resource_type !== 'model') return false;
  const was = old.contract?.enforced === true;
  const is = now.contract?.enforced === true;
  if (!was && !is) return false;
  return was !== is || now.contract?.checksum !== old.contract?.checksum;
}

/** What differs between a node now and in the state manifest (empty: unmodified). */
function differences(now: DbtManifestNode, old: DbtManifestNode): Set<string> {
  const out = new Set<string>();
  const body = now.test_metadata
    ? canonical(now.test_metadata) !== canonical(old.test_metadata)
    : now.checksum.checksum !== old.checksum.checksum;
  if (body) out.add('body');
  if (meaningfulConfig(now) !== meaningfulConfig(old) || now.config?.materialized !== old.config?.materialized)
    out.add('configs');
  // As dbt: the configured database, schema and alias, not where they resolve (a CI target schema is no change).
  const where = (n: DbtManifestNode) => ['database', 'schema', 'alias'].map((k) => n.config?.[k] ?? null);
  if (JSON.stringify(where(now)) !== JSON.stringify(where(old))) out.add('relation');
  if (contractChanged(now, old)) out.add('contract');
  return out;
}

/** The `state:` values, as dbt names them. */
const STATES = [
  'new',
  'old',
  'modified',
  'unmodified',
  'modified.body',
  'modified.configs',
  'modified.relation',
  'modified.macros',
  'modified.contract',
];

/**
 * dbt's `state:` selector: `new` (not in the state manifest), `modified` (new, or its body, configs,
 * relation or contract changed, or a macro it calls), `modified.body`, `modified.configs`,
 * `modified.relation`, `modified.macros`, `modified.contract`, `unmodified`, `old`.
 */
export function stateMatches(manifest: Manifest, state: DbtManifestFile, value: string): Set<string> {
  const current = dbtManifest(manifest) as unknown as DbtManifestFile;
  const now = current.nodes;
  const changedMacros = modifiedMacros(current, state);
  const out = new Set<string>();
  if (!STATES.includes(value))
    throw new CompileError(
      `--select: unknown state 'state:${value}' (use ${STATES.map((k) => `state:${k}`).join(', ')})`,
    );
  for (const [id, node] of Object.entries(now)) {
    const old = state.nodes[id];
    if (!old) {
      if (value === 'new' || value === 'modified') out.add(id);
      continue;
    }
    const diff = differences(node, old);
    if (changedMacros.size && callsModified(node, current.macros, changedMacros)) diff.add('macros');
    const hit =
      value === 'old' ||
      (value === 'modified' && diff.size > 0) ||
      (value === 'unmodified' && diff.size === 0) ||
      (value.startsWith('modified.') && diff.has(value.slice('modified.'.length)));
    if (hit) out.add(id);
  }
  return out;
}

/**
 * dbt's `--defer`: every model, seed and snapshot this run does not build, and that the state manifest
 * has, is read from the state's relation (its schema and alias) — the production tables a CI run reads
 * instead of building them. Changes the manifest's relations and checksum; returns the deferred ids.
 */
export function deferToState(manifest: Manifest, state: DbtManifestFile, selected: readonly string[]): string[] {
  const chosen = new Set(selected);
  const deferred: Array<[string, string, string]> = [];
  for (const n of Object.values(manifest.nodes)) {
    const old = state.nodes[n.id];
    if (chosen.has(n.id) || !old || !n.relation || n.resourceType === 'test') continue;
    if (n.config.materialized === 'ephemeral') continue;
    n.relation = { schema: old.schema, identifier: old.alias ?? old.name };
    deferred.push([n.id, n.relation.schema, n.relation.identifier]);
  }
  if (deferred.length)
    manifest.checksum = createHash('sha256')
      .update(JSON.stringify([manifest.checksum, deferred]))
      .digest('hex');
  return deferred.map(([id]) => id);
}
