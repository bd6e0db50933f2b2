import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { CompileError } from './jinja';
import type { Manifest, ManifestNode } from './manifest-types';

/** The target/ folder of a project. */
export function targetDir(manifest: Pick<Manifest, 'projectDir' | 'targetPath'>): string {
  return isAbsolute(manifest.targetPath) ? manifest.targetPath : join(manifest.projectDir, manifest.targetPath);
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Writes the manifest as `target/manifest.json` (what dbt users look at) and under its checksum in
 * `target/manifests/` (what a run reads, so a later plan cannot change a run in flight). Returns the latter.
 */
export function writeManifest(manifest: Manifest): string {
  const text = JSON.stringify(manifest, null, 1);
  const file = join(targetDir(manifest), 'manifests', `${manifest.checksum}.json`);
  if (!existsSync(file)) writeAtomic(file, text);
  writeAtomic(join(targetDir(manifest), 'manifest.json'), text);
  return file;
}

const cache = new Map<string, Manifest>();

/** Reads a planned manifest (cached per worker); fails clearly when it is gone or was changed. */
export function readManifest(file: string, checksum: string): Manifest {
  const hit = cache.get(file);
  if (hit && hit.checksum !== checksum) throw new CompileError(`${file}: manifest checksum does not match the plan`);
  if (hit) return hit;
  if (!existsSync(file))
    throw new CompileError(`${file}: the planned manifest is gone (was target/ cleaned during the run?)`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (manifest.checksum !== checksum) throw new CompileError(`${file}: manifest checksum does not match the plan`);
  if (cache.size > 16) cache.clear();
  cache.set(file, manifest);
  return manifest;
}

/** Writes a node's compiled SQL to `target/<kind>/<project>/<path>` (kind: compiled or run). */
export function writeNodeSql(manifest: Manifest, node: ManifestNode, kind: 'compiled' | 'run', sql: string): string {
  const name = node.generic ? `${node.path.replace(/\.ya?ml$/, '')}/${node.name}.sql` : node.path;
  const file = join(targetDir(manifest), kind, manifest.projectName, name);
  writeAtomic(file, `${sql}\n`);
  return file;
}
