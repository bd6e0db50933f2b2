import type { DataInterval } from '../../lib/intervals';
import type { IngestDeps } from './ingest-deps';
import { landedFiles } from './landing-files';

/** Which of an interval's expected landing files have arrived. */
export interface LandingCheck {
  /** Entities with at least one file. */
  present: string[];
  /** Entities with none. */
  missing: string[];
  /** Every landed file, as a path relative to the landing folder. */
  files: Array<{ entity: string; file: string }>;
}

/** Lists the configured entities' files for the interval, split into present and missing. */
export async function checkLandingFiles(
  deps: Pick<IngestDeps, 'landingDir' | 'entities'>,
  input: { interval: DataInterval },
): Promise<LandingCheck> {
  const check: LandingCheck = { present: [], missing: [], files: [] };
  for (const e of deps.entities) {
    const files = landedFiles(deps.landingDir, e, input.interval);
    (files.length > 0 ? check.present : check.missing).push(e.name);
    check.files.push(...files.map((file) => ({ entity: e.name, file })));
  }
  return Promise.resolve(check);
}
