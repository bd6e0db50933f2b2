import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ensureAudit, TRANSFORM_MANIFESTS } from '../audit';
import type { Warehouse } from '../warehouse';
import { dbtManifest, type DbtManifestOptions } from './artifacts-manifest';
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

/** The manifest as stored: what its file holds and what the warehouse keeps. */
const manifestText = (manifest: Manifest): string => JSON.stringify(manifest, null, 1);

/**
 * Writes the manifest under its checksum in `target/manifests/` (what a run reads, so a later plan cannot
 * change a run in flight) and, in dbt's own schema (v12), as `target/manifest.json` (what dbt tools and
 * `--state` read), `options` saying what the run's flags change in it. Returns the former.
 */
export function writeManifest(manifest: Manifest, options: DbtManifestOptions = {}): string {
  const file = join(targetDir(manifest), 'manifests', `${manifest.checksum}.json`);
  if (!existsSync(file)) writeAtomic(file, manifestText(manifest));
  writeAtomic(join(targetDir(manifest), 'manifest.json'), JSON.stringify(dbtManifest(manifest, undefined, options)));
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

/** Characters of base64 per stored part: one bound value each, well under Snowflake's 16 MB VARCHAR. */
const PART_CHARS = 1_000_000;

/** This worker's copy of the manifest with `checksum`. */
const cachedFile = (cacheDir: string, checksum: string): string => join(cacheDir, `${checksum}.json`);

/**
 * Stores the manifest in `audit.transform_manifests` under its checksum, so a node that lands on another
 * worker finds it, and in this worker's cache. Idempotent: parts already there are left alone, so two
 * workers planning the same project (or a retried plan) store it once, and a store interrupted half-way
 * is completed by the next.
 */
export async function shareManifest(w: Warehouse, manifest: Manifest, cacheDir: string): Promise<void> {
  const text = manifestText(manifest);
  const cached = cachedFile(cacheDir, manifest.checksum);
  if (!existsSync(cached)) writeAtomic(cached, text);
  await ensureAudit(w);
  const body = gzipSync(text).toString('base64');
  const parts = Math.max(1, Math.ceil(body.length / PART_CHARS));
  const rows = Array.from({ length: parts }, (_, i) => [
    manifest.checksum,
    i,
    parts,
    body.slice(i * PART_CHARS, (i + 1) * PART_CHARS),
    Date.now(),
  ]);
  const columns = [
    ['checksum', 'varchar'],
    ['part', 'bigint'],
    ['parts', 'bigint'],
    ['body', 'varchar'],
    ['stored_at', 'timestamptz'],
  ] as const;
  try {
    await w.transaction((tx) => tx.insertNew(TRANSFORM_MANIFESTS.ref, ['checksum', 'part'], columns, rows));
  } catch (err) {
    // Another worker stored the same parts at the same moment (DuckDB refuses the second key): theirs will do.
    if ((await sharedManifestText(w, manifest.checksum)) === undefined) throw err;
  }
}

/** The manifest text stored under `checksum`, or undefined when it is not there whole. */
async function sharedManifestText(w: Warehouse, checksum: string): Promise<string | undefined> {
  await ensureAudit(w);
  const d = w.dialect;
  const rows = await w.query<{ part: unknown; parts: unknown; body: string }>(
    `SELECT ${['part', 'parts', 'body'].map((c) => d.quoteIdent(c)).join(', ')} FROM ${d.table(TRANSFORM_MANIFESTS.ref)}
     WHERE ${d.quoteIdent('checksum')} = ${d.literal(checksum)}`,
  );
  // Two workers racing on an engine without enforced keys may both have stored a part: the copies are equal.
  const byPart = new Map(rows.map((r) => [Number(r.part), r.body]));
  const parts = Number(rows[0]?.parts ?? 0);
  if (parts === 0 || byPart.size < parts) return undefined;
  const body = Array.from({ length: parts }, (_, i) => byPart.get(i) ?? '').join('');
  return gunzipSync(Buffer.from(body, 'base64')).toString('utf8');
}

/** Where a planned manifest is found: the planner's file, and its checksum (the key of the shared copy). */
export interface ManifestRef {
  manifestFile: string;
  checksum: string;
}

/**
 * The planned manifest for a node, on whichever worker it runs: this worker's cached copy
 * (`cacheDir/<checksum>.json`), else the shared copy in the warehouse, cached for the next node, else the
 * planner's file when it is on this host (runs planned before manifests were shared). Fails clearly when
 * none holds it or a checksum differs.
 */
export async function loadManifest(w: Warehouse, ref: ManifestRef, cacheDir: string): Promise<Manifest> {
  const cached = cachedFile(cacheDir, ref.checksum);
  if (existsSync(cached)) return readManifest(cached, ref.checksum);
  const text = await sharedManifestText(w, ref.checksum);
  if (text !== undefined) {
    writeAtomic(cached, text);
    return readManifest(cached, ref.checksum);
  }
  if (existsSync(ref.manifestFile)) return readManifest(ref.manifestFile, ref.checksum);
  throw new CompileError(
    `${ref.manifestFile}: the planned manifest is gone (was target/ cleaned during the run?) and ${TRANSFORM_MANIFESTS.name} has no manifest ${ref.checksum}`,
  );
}

/** Where a node's compiled SQL is written: `target/<kind>/<project>/<path>` (kind: compiled or run). */
export function nodeSqlFile(manifest: Manifest, node: ManifestNode, kind: 'compiled' | 'run'): string {
  // A generic test's file is named for its alias: dbt hashes names of 64 characters or more into it.
  const base = typeof node.config.alias === 'string' ? node.config.alias : node.name;
  const name = node.generic ? `${node.path.replace(/\.ya?ml$/, '')}/${base}.sql` : node.path;
  return join(targetDir(manifest), kind, manifest.projectName, name);
}

/** Writes a node's compiled SQL to {@link nodeSqlFile}. */
export function writeNodeSql(manifest: Manifest, node: ManifestNode, kind: 'compiled' | 'run', sql: string): string {
  const file = nodeSqlFile(manifest, node, kind);
  writeAtomic(file, `${sql}\n`);
  return file;
}
