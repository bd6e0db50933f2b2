import { addToCounter } from '../telemetry';
import type { BulkLoadResult } from '../warehouse';

/** Counts a load's rows on the platform metrics (per entity and source kind). */
export function recordLoad(
  entity: string,
  source: 'file' | 'sql',
  counts: BulkLoadResult & { quarantinedFile?: string; duplicateOf?: string },
): void {
  const tags = { entity, source };
  addToCounter('edp_rows_in', counts.rowsIn, tags, 'Rows read from sources');
  addToCounter('edp_rows_loaded', counts.rowsLoaded, tags, 'Rows loaded into raw');
  addToCounter('edp_rows_quarantined', counts.rowsQuarantined, tags, 'Rows quarantined at load');
  addToCounter('edp_files_quarantined', counts.quarantinedFile ? 1 : 0, tags, 'Files refused or unparsable as a whole');
  addToCounter(
    'edp_files_duplicate',
    counts.duplicateOf ? 1 : 0,
    tags,
    'Files whose content was loaded under another name',
  );
}
