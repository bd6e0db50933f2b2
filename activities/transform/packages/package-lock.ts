import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ProjectError } from '../../../lib/errors';
import type { PackageSpec } from './package-specs';

/** The lock file dbt 1.7+ writes beside packages.yml. */
export const LOCK_FILE = 'package-lock.yml';

/** One resolved package in package-lock.yml: its packages.yml form, pinned, and its project name. */
export type LockedPackage = Record<string, unknown> & { name: string };

/** package-lock.yml's content. */
export interface PackageLock {
  packages: LockedPackage[];
  sha1_hash?: string;
}

/** Python's `json.dumps(value, sort_keys=True)` (ASCII only, `", "` and `": "` separators), which dbt hashes. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${pythonJson(k)}: ${pythonJson(o[k])}`)
    .join(', ')}}`;
}

/** One packages.yml entry as dbt's contract serialises it for the hash (defaults filled, the raw entry kept). */
function contractDict(spec: PackageSpec): Record<string, unknown> {
  const raw = spec.raw;
  const name = typeof raw.name === 'string' ? { name: raw.name } : {};
  if (spec.kind === 'local') return { local: spec.local, ...name, unrendered: raw };
  if (spec.kind === 'git')
    return {
      git: spec.git,
      revision: raw.revision ?? null,
      subdirectory: spec.subdirectory ?? null,
      'warn-unpinned': raw['warn-unpinned'] ?? null,
      ...name,
      unrendered: raw,
    };
  return {
    package: spec.package,
    version: spec.version,
    install_prerelease: spec.installPrerelease,
    ...name,
    unrendered: raw,
  };
}

/** dbt's `sha1_hash` of packages.yml: it tells whether the lock was written for the packages.yml of today. */
export function packagesHash(specs: readonly PackageSpec[]): string {
  const lines = specs.map((s) => pythonJson(contractDict(s))).sort();
  return createHash('sha1').update(lines.join('\n'), 'utf8').digest('hex');
}

/** package-lock.yml of `dir`, if there is one. */
export function readLock(dir: string): PackageLock | undefined {
  const file = join(dir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProjectError(`${LOCK_FILE}: ${(err as Error).message.split('\n')[0]}`);
  }
  const d = (doc ?? {}) as { packages?: unknown; sha1_hash?: unknown };
  if (d.packages !== undefined && !Array.isArray(d.packages))
    throw new ProjectError(`${LOCK_FILE}: packages must be a list`);
  return {
    packages: (d.packages ?? []) as LockedPackage[],
    ...(typeof d.sha1_hash === 'string' ? { sha1_hash: d.sha1_hash } : {}),
  };
}

/** Writes package-lock.yml as dbt does (keys sorted, list items indented under their key). */
export function writeLock(dir: string, lock: PackageLock): void {
  const sortKeys = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  const doc = { packages: lock.packages.map(sortKeys), sha1_hash: lock.sha1_hash };
  writeFileSync(join(dir, LOCK_FILE), stringifyYaml(doc, { indentSeq: true, singleQuote: true, lineWidth: 0 }));
}
