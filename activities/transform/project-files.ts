import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CompileError } from './jinja';

/** `dbt_project.yml`, as far as the engine reads it. */
export interface ProjectFile {
  name: string;
  modelPaths: string[];
  seedPaths: string[];
  snapshotPaths: string[];
  macroPaths: string[];
  testPaths: string[];
  targetPath: string;
  vars: Record<string, unknown>;
  /** The `on-run-start` / `on-run-end` hooks (SQL or `{sql, transaction}` entries, unrendered), in order. */
  runHooks: Record<'on-run-start' | 'on-run-end', unknown[]>;
  /** The `models:`, `seeds:`, `snapshots:`, `data_tests:` config trees. */
  configTrees: Record<'model' | 'seed' | 'snapshot' | 'test', Record<string, unknown>>;
}

/** A file found under one of the project's paths. */
export interface FoundFile {
  /** Path relative to the project dir, with `/`. */
  path: string;
  /** Path relative to the search root (model-path, seed-path, …), with `/`. */
  inRoot: string;
  text: string;
}

function list(value: unknown, fallback: string[], key: string): string[] {
  if (value === undefined || value === null) return fallback;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new CompileError(`dbt_project.yml: ${key} must be a list of folders`);
}

/** Reads and checks `dbt_project.yml` in `dir`. */
export function readProjectFile(dir: string): ProjectFile {
  const file = join(dir, 'dbt_project.yml');
  if (!existsSync(file)) throw new CompileError(`${file}: no dbt_project.yml here (is --project-dir right?)`);
  let doc: Record<string, unknown>;
  try {
    doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new CompileError(`dbt_project.yml: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(doc.name)) {
    throw new CompileError('dbt_project.yml: name must be set to a name of letters, digits and underscores');
  }
  const tree = (key: string) => {
    const v = doc[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new CompileError(`dbt_project.yml: ${key} must be a mapping`);
    return v as Record<string, unknown>;
  };
  return {
    name: doc.name,
    modelPaths: list(doc['model-paths'] ?? doc['source-paths'], ['models'], 'model-paths'),
    seedPaths: list(doc['seed-paths'] ?? doc['data-paths'], ['seeds'], 'seed-paths'),
    snapshotPaths: list(doc['snapshot-paths'], ['snapshots'], 'snapshot-paths'),
    macroPaths: list(doc['macro-paths'], ['macros'], 'macro-paths'),
    testPaths: list(doc['test-paths'], ['tests'], 'test-paths'),
    targetPath: typeof doc['target-path'] === 'string' ? doc['target-path'] : 'target',
    vars: tree('vars'),
    runHooks: { 'on-run-start': hookEntries(doc['on-run-start']), 'on-run-end': hookEntries(doc['on-run-end']) },
    configTrees: {
      model: tree('models'),
      seed: tree('seeds'),
      snapshot: tree('snapshots'),
      test: { ...tree('tests'), ...tree('data_tests') },
    },
  };
}

/** Files under `roots` (relative to `dir`) whose names end in one of `extensions`, sorted by path. */
export function findFiles(dir: string, roots: readonly string[], extensions: readonly string[]): FoundFile[] {
  const out: FoundFile[] = [];
  const walk = (root: string, folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      if (entry.startsWith('.')) continue;
      const full = join(folder, entry);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (entry === 'target' || entry === 'dbt_packages' || entry === 'logs') continue;
        walk(root, full);
      } else if (extensions.some((e) => entry.endsWith(e))) {
        out.push({
          path: relative(dir, full).split(sep).join('/'),
          inRoot: relative(root, full).split(sep).join('/'),
          text: readFileSync(full, 'utf8'),
        });
      }
    }
  };
  for (const r of roots) {
    const root = join(dir, r);
    if (existsSync(root) && statSync(root).isDirectory()) walk(root, root);
  }
  return out;
}

/** Parses a properties YAML file; the message names the file. */
export function readPropertiesFile(file: FoundFile): Record<string, unknown> {
  try {
    const doc = parseYaml(file.text) as unknown;
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected a mapping at the top');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new CompileError(`${file.path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Configs whose values are mappings, so they are configs even without a leading `+`. */
const MAPPING_CONFIGS = new Set(['meta', 'docs', 'persist_docs', 'grants', 'column_types', 'contract']);

/**
 * The config a dbt_project.yml tree gives the node at `fqn` ([project, ...folders, name]): more
 * specific folders override less specific ones; `tags` accumulate.
 */
export function configFromTree(tree: Record<string, unknown>, fqn: readonly string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  let level: Record<string, unknown> | undefined = tree;
  for (let depth = 0; level; depth++) {
    for (const [key, value] of Object.entries(level)) {
      // As dbt: `+key`, or any value that is not a mapping (a mapping is a folder or a model name).
      const isConfig =
        key.startsWith('+') ||
        value === null ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        MAPPING_CONFIGS.has(key);
      if (isConfig) mergeConfig(config, { [key.replace(/^\+/, '')]: value });
    }
    const next: unknown = depth < fqn.length ? level[fqn[depth]] : undefined;
    level = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
  }
  return config;
}

/** A hook config's entries (one SQL text, a list, or none) as a list. */
export function hookEntries(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Merges `more` into `config`: later wins, except `tags` (added), `meta` (merged), `grants` (per
 * privilege, see {@link mergeGrants}) and hooks (added, as dbt does, under `pre-hook` / `post-hook`
 * whether written so or as `pre_hook` / `post_hook`).
 */
export function mergeConfig(config: Record<string, unknown>, more: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(more)) {
    if (value === undefined) continue;
    const hook = /^(pre|post)[-_]hook$/.exec(key);
    if (hook) {
      const name = `${hook[1]}-hook`;
      config[name] = [...hookEntries(config[name]), ...hookEntries(value)];
    } else if (key === 'tags') {
      const add = (Array.isArray(value) ? value : [value]).map((t) => String(t as string));
      const have = (config.tags as string[] | undefined) ?? [];
      config.tags = [...have, ...add.filter((t) => !have.includes(t))];
    } else if (key === 'meta' && value && typeof value === 'object') {
      config.meta = { ...(config.meta ?? {}), ...value };
    } else if (key === 'grants' && value && typeof value === 'object') {
      config.grants = mergeGrants(asGrants(config.grants), value as Record<string, unknown>);
    } else {
      config[key] = value;
    }
  }
  return config;
}

/** A privilege's grantees as a list (dbt's `_listify`). */
const listify = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** A `grants` config with every privilege's grantees as a list. */
function asGrants(v: unknown): Record<string, unknown[]> {
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(o).map(([k, g]) => [k, listify(g)]));
}

/**
 * dbt's merge of `grants` (`DictKeyAppend`): a privilege set at a more specific level replaces its
 * grantees, and `+privilege` adds to them; privileges not named are kept. A `+privilege` with nothing to
 * add to yet stays so (a `config()` call's grants are gathered before they meet the project's).
 */
export function mergeGrants(base: Record<string, unknown[]>, more: Record<string, unknown>): Record<string, unknown[]> {
  const out = { ...base };
  for (const [key, value] of Object.entries(more)) {
    const privilege = key.replace(/^\++/, '');
    if (!key.startsWith('+')) out[privilege] = listify(value);
    else if (privilege in out) out[privilege] = [...out[privilege], ...listify(value), ...(out[key] ?? [])];
    else out[key] = [...(out[key] ?? []), ...listify(value)];
  }
  return out;
}

/** Python's whitespace, which dbt strips before hashing a file (unlike JavaScript's trim, not a BOM). */
const PY_SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/** The text dbt hashes as a file's checksum: Python's `str.strip()` of its contents. */
const pythonStrip = (text: string): string => text.replace(PY_STRIP, '');

/** A file's checksum as dbt computes it (sha256 of the stripped text), so it compares with dbt's manifests. */
export const fileChecksum = (text: string): string => createHash('sha256').update(pythonStrip(text)).digest('hex');
