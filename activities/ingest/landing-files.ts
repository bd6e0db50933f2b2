import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityConfig } from '../../lib/config/schema';
import { fileStamp, type DataInterval } from '../../lib/intervals';

/** Landing-zone path of an entity's file for an interval: `<landing>/<entity>/<pattern with {interval}>`. */
export function landingFilePath(landingDir: string, entity: EntityConfig, interval: DataInterval): string {
  return join(landingDir, entity.name, entity.pattern.replace('{interval}', fileStamp(interval.start)));
}

/** True when the file exists and is a regular file. */
export function isLanded(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
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
