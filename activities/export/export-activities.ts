import { KeyedLock } from '../keyed-lock';
import { exportMart, type ExportDeps, type ExportMartInput } from './export-mart';

/** Builds the export activities over a warehouse and an export folder. */
export function createExportActivities(deps: ExportDeps) {
  const locked = { ...deps, lock: new KeyedLock() };
  return {
    /** See {@link exportMart}. */
    exportMart: (input: ExportMartInput) => exportMart(locked, input),
  };
}

/** The export activities as the worker registers them. */
export type ExportActivities = ReturnType<typeof createExportActivities>;
