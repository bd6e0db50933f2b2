import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { landingFilePath } from '../activities/ingest';
import type { EdpConfig } from '../workers/config-schema';
import type { DataInterval } from '../lib/intervals';
import { isS3Location } from '../lib/config/schema';
import { ConfigError } from '../lib/errors';
import { DEFAULT_SAMPLE, sampleFiles, type SampleOptions } from './sample-data';
import { writeSampleOperational } from './sample-operational';

export { DEFAULT_SAMPLE };

/** Claim status changes written per interval into each configured PostgreSQL source. */
export const SAMPLE_EVENTS_PER_INTERVAL = 1000;

/** Writes an interval's sample rows into every local PostgreSQL source; returns the rows added. */
export async function writeSampleSources(
  config: EdpConfig,
  interval: DataInterval,
  seed: number,
  include: (source: string) => boolean = () => true,
): Promise<number> {
  let added = 0;
  for (const source of config.sources.filter((s) => s.kind === 'postgres' && include(s.name))) {
    added += await writeSampleOperational(source, interval, SAMPLE_EVENTS_PER_INTERVAL, seed);
  }
  return added;
}

/** Writes an interval's sample landing files where the config's entities expect them; returns their paths. */
export function writeSampleFiles(
  config: EdpConfig,
  interval: DataInterval,
  options: SampleOptions,
  include: (entity: string) => boolean = () => true,
): string[] {
  if (isS3Location(config.landing.path))
    throw new ConfigError('sample files are written to a local landing folder, not to object storage', {
      fix: 'landing.path',
    });
  const written: string[] = [];
  for (const file of sampleFiles(interval, options)) {
    const entity = config.landing.entities.find((e) => e.name === file.entity);
    if (!entity || !include(entity.name)) continue; // not ingested by this config, or left out (a late file)
    // A pattern for many parts (`*`) gets one part from the generator.
    const path = landingFilePath(
      config.landing.path,
      { ...entity, pattern: entity.pattern.replace(/\*/g, 'part-0001') },
      interval,
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, file.content);
    renameSync(`${path}.tmp`, path); // a half-written file never looks landed
    written.push(path);
  }
  return written;
}
