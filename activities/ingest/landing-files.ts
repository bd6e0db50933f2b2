import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { landingName, landingNameMatcher, landingNameMatcherAnyInterval } from '../../lib/landing-pattern';

/** Landing-zone path of an entity's file for an interval when its pattern names one file (no `*`). */
export function landingFilePath(landingDir: string, entity: EntityConfig, interval: DataInterval): string {
  return join(landingDir, entity.name, landingName(entity.pattern, interval));
}

/**
 * The entity's landed files for the interval, as paths relative to the landing folder, in name order.
 * Symbolic links are listed without being followed, so the load can refuse them by name.
 */
export function landedFiles(landingDir: string, entity: EntityConfig, interval: DataInterval): string[] {
  const dir = join(landingDir, entity.name);
  if (!existsSync(dir)) return [];
  const matches = landingNameMatcher(entity.pattern, interval);
  return readdirSync(dir)
    .filter((name) => {
      if (!matches.test(name)) return false;
      const st = lstatSync(join(dir, name));
      return st.isFile() || st.isSymbolicLink();
    })
    .sort()
    .map((name) => join(entity.name, name));
}

/** Copiers such as rsync write a file under a hidden name until it is complete: not a delivery yet. */
const inProgress = (name: string): boolean => name.startsWith('.');

/**
 * What lies in the landing folder that no entity's pattern expects in any interval, as paths relative to
 * it, in name order: files in an entity's folder that match none of its names, anything at the top level
 * that is not an entity's folder (a folder as `name/`, not descended into). Hidden names are left out.
 */
export function unmatchedLandingFiles(landingDir: string, entities: readonly EntityConfig[]): string[] {
  if (!existsSync(landingDir)) return [];
  const byFolder = new Map(entities.map((e) => [e.name, landingNameMatcherAnyInterval(e.pattern)]));
  const unmatched: string[] = [];
  for (const top of readdirSync(landingDir)) {
    if (inProgress(top)) continue;
    const matcher = byFolder.get(top);
    const folder = isFolder(join(landingDir, top));
    if (!matcher || !folder) {
      unmatched.push(folder ? `${top}/` : top);
      continue;
    }
    for (const name of readdirSync(join(landingDir, top))) {
      if (!inProgress(name) && !matcher.test(name)) unmatched.push(join(top, name));
    }
  }
  return unmatched.sort();
}

/** A folder, or a link to one (a dangling link is not). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** SHA-256 of a file's bytes, streamed; the idempotency key of a load. */
export function fileChecksum(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
