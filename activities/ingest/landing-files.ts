import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { EntityConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { landingName, landingNameMatcher, landingNameMatcherAnyInterval } from '../../lib/landing-pattern';
import type { ObjectStore } from '../storage';

/** Landing-zone path of an entity's file for an interval when its pattern names one file (no `*`). */
export function landingFilePath(landingDir: string, entity: EntityConfig, interval: DataInterval): string {
  return join(landingDir, entity.name, landingName(entity.pattern, interval));
}

/**
 * The entity's landed files for the interval, as paths relative to the landing root, in name order.
 * Symbolic links (local folders) are listed without being followed, so the load can refuse them by name.
 */
export async function landedFiles(store: ObjectStore, entity: EntityConfig, interval: DataInterval): Promise<string[]> {
  const matches = landingNameMatcher(entity.pattern, interval);
  return (await store.list(entity.name))
    .filter((x) => x.file && matches.test(x.name))
    .map((x) => x.name)
    .sort()
    .map((name) => `${entity.name}/${name}`);
}

/** Copiers such as rsync write a file under a hidden name until it is complete: not a delivery yet. */
const inProgress = (name: string): boolean => name.startsWith('.');

/**
 * What lies in the landing root that no entity's pattern expects in any interval, as paths relative to
 * it, in name order: files in an entity's folder that match none of its names, anything at the top level
 * that is not an entity's folder (a folder as `name/`, not descended into). Hidden names are left out.
 */
export async function unmatchedLandingFiles(store: ObjectStore, entities: readonly EntityConfig[]): Promise<string[]> {
  const byFolder = new Map(entities.map((e) => [e.name, landingNameMatcherAnyInterval(e.pattern)]));
  const unmatched: string[] = [];
  for (const top of await store.list('')) {
    if (inProgress(top.name)) continue;
    const matcher = byFolder.get(top.name);
    if (!matcher || !top.folder) {
      unmatched.push(top.folder ? `${top.name}/` : top.name);
      continue;
    }
    for (const x of await store.list(top.name)) {
      if (!inProgress(x.name) && !matcher.test(x.name)) unmatched.push(`${top.name}/${x.name}`);
    }
  }
  return unmatched.sort();
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
