import { KeyedLock } from '../keyed-lock';
import { openObjectStore } from '../storage';
import { checkLandingFiles } from './check-landing-files';
import type { IngestDeps } from './ingest-deps';
import { loadLandingFile, type LoadFileInput } from './load-landing-file';
import type { DataInterval } from '../../lib/intervals';

/** Builds the ingest activities over a warehouse and the landing zone. */
export function createIngestActivities(deps: IngestDeps) {
  const store = openObjectStore(deps.landingDir, 'landing.path', deps.s3);
  const locked = { ...deps, store, lock: new KeyedLock() };
  return {
    /** See {@link checkLandingFiles}. */
    checkLandingFiles: (input: { interval: DataInterval; entities?: readonly string[] }) =>
      checkLandingFiles(locked, input),
    /** See {@link loadLandingFile}. */
    loadLandingFile: (input: LoadFileInput) => loadLandingFile(locked, input),
  };
}

/** The ingest activities as the worker registers them. */
export type IngestActivities = ReturnType<typeof createIngestActivities>;
