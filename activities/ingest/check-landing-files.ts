import type { DataInterval } from '../../lib/intervals';
import { landingPattern } from '../../lib/landing-pattern';
import type { ObjectStore } from '../storage';
import type { IngestDeps } from './ingest-deps';
import { landedFiles, unmatchedLandingFiles } from './landing-files';

/** Most unmatched names a check carries; the landing folder itself has all of them. */
export const MAX_LISTED_UNMATCHED = 100;

/** Files in the landing folder that no entity's pattern expects: the first names and how many in all. */
export interface UnmatchedFiles {
  /** The first {@link MAX_LISTED_UNMATCHED}, relative to the landing folder, in name order. */
  files: string[];
  total: number;
}

/** Which of an interval's expected landing files have arrived. */
export interface LandingCheck {
  /** Entities with at least one file. */
  present: string[];
  /** Entities with none. */
  missing: string[];
  /** Every landed file, as a path relative to the landing folder. */
  files: Array<{ entity: string; file: string }>;
  /** Present when the landing folder holds files no entity's pattern expects (in any interval). */
  unmatched?: UnmatchedFiles;
  /** Each entity's file-name pattern for the interval, relative to the landing folder: what the sensor waits for. */
  patterns?: Record<string, string>;
  /** The landing root: a folder on the worker or an `s3://` location. */
  landingDir?: string;
}

/**
 * Lists the configured entities' files for the interval, split into present and missing, and the files
 * that match no entity at all (neither loaded nor waited for, so a misnamed delivery is seen).
 */
export async function checkLandingFiles(
  deps: Pick<IngestDeps, 'landingDir' | 'entities'> & { store: ObjectStore },
  input: { interval: DataInterval; entities?: readonly string[] },
): Promise<LandingCheck> {
  const patterns: Record<string, string> = {};
  const check: LandingCheck = { present: [], missing: [], files: [], patterns, landingDir: deps.landingDir };
  // A pipeline's ingest step may load only some entities; the unmatched-file report still covers them all.
  for (const e of deps.entities.filter((x) => input.entities?.includes(x.name) ?? true)) {
    patterns[e.name] = `${e.name}/${landingPattern(e.pattern, input.interval)}`;
    const files = await landedFiles(deps.store, e, input.interval);
    (files.length > 0 ? check.present : check.missing).push(e.name);
    check.files.push(...files.map((file) => ({ entity: e.name, file })));
  }
  const unmatched = await unmatchedLandingFiles(deps.store, deps.entities);
  if (unmatched.length > 0)
    check.unmatched = { files: unmatched.slice(0, MAX_LISTED_UNMATCHED), total: unmatched.length };
  return check;
}
