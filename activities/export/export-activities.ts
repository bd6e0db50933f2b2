import { KeyedLock } from '../keyed-lock';
import { openObjectStore } from '../storage';
import { exportMart, type ExportDeps, type ExportMartInput } from './export-mart';

/** Builds the export activities over a warehouse and an export folder. */
export function createExportActivities(deps: ExportDeps) {
  const store = openObjectStore(deps.exportDir, 'export.path', deps.s3);
  const locked = { ...deps, store, lock: new KeyedLock() };
  return {
    /** See {@link exportMart}. */
    exportMart: (input: ExportMartInput) => exportMart(locked, input),
  };
}

/** The export activities as the worker registers them. */
export type ExportActivities = ReturnType<typeof createExportActivities>;
