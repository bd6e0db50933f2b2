import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityConfig } from '../../lib/config/schema';
import type { DataInterval } from '../../lib/intervals';
import { landingName, landingNameMatcher } from '../../lib/landing-pattern';

/** Landing-zone path of an entity's file for an interval when its pattern names one file (no `*`). */
export function landingFilePath(landingDir: string, entity: EntityConfig, interval: DataInterval): string {
  return join(landingDir, entity.name, landingName(entity.pattern, interval));
}

/** The entity's landed files for the interval, as paths relative to the landing folder, in name order. */
export function landedFiles(landingDir: string, entity: EntityConfig, interval: DataInterval): string[] {
  const dir = join(landingDir, entity.name);
  if (!existsSync(dir)) return [];
  const matches = landingNameMatcher(entity.pattern, interval);
  return readdirSync(dir)
    .filter((name) => matches.test(name) && statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => join(entity.name, name));
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
