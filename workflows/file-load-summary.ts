import type { FileLoadResult } from '../activities/ingest';

/** Most per-file results a workflow result carries; the manifest table has all of them. */
export const MAX_LISTED_FILES = 100;

/** File loads folded into counts, keeping payloads small however many files there are. */
export interface FileLoadSummary {
  fileCount: number;
  alreadyLoaded: number;
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Files quarantined whole (refused unread, or unparsable), with the reason. */
  quarantinedFiles: Array<{ file: string; reason: string }>;
  /** Files whose content was loaded under another name of the interval; `skipped` unless `landing.duplicateFiles: load`. */
  duplicateFiles: Array<{ file: string; duplicateOf: string; skipped: boolean }>;
  /** The first {@link MAX_LISTED_FILES} results; `audit.ingest_manifest` lists every file. */
  files: FileLoadResult[];
  /** Child workflows that loaded batches, if any. */
  batches: string[];
}

/** Folds per-file results (and child summaries) into one summary. */
export function summarizeLoads(
  loads: FileLoadResult[],
  batch?: string,
  children: FileLoadSummary[] = [],
): FileLoadSummary {
  const parts: FileLoadSummary[] = [
    {
      fileCount: loads.length,
      alreadyLoaded: loads.filter((f) => f.alreadyLoaded).length,
      rowsIn: loads.reduce((n, f) => n + f.rowsIn, 0),
      rowsLoaded: loads.reduce((n, f) => n + f.rowsLoaded, 0),
      rowsQuarantined: loads.reduce((n, f) => n + f.rowsQuarantined, 0),
      quarantinedFiles: loads.flatMap((f) => (f.quarantinedFile ? [{ file: f.file, reason: f.quarantinedFile }] : [])),
      duplicateFiles: loads.flatMap((f) =>
        f.duplicateOf ? [{ file: f.file, duplicateOf: f.duplicateOf, skipped: f.duplicateSkipped === true }] : [],
      ),
      files: loads,
      batches: batch ? [batch] : [],
    },
    ...children,
  ];
  return {
    fileCount: parts.reduce((n, p) => n + p.fileCount, 0),
    alreadyLoaded: parts.reduce((n, p) => n + p.alreadyLoaded, 0),
    rowsIn: parts.reduce((n, p) => n + p.rowsIn, 0),
    rowsLoaded: parts.reduce((n, p) => n + p.rowsLoaded, 0),
    rowsQuarantined: parts.reduce((n, p) => n + p.rowsQuarantined, 0),
    quarantinedFiles: parts.flatMap((p) => p.quarantinedFiles),
    // A child batch that finished before duplicates were reported has none listed.
    duplicateFiles: parts.flatMap((p) => p.duplicateFiles ?? []),
    files: parts.flatMap((p) => p.files).slice(0, MAX_LISTED_FILES),
    batches: parts.flatMap((p) => p.batches),
  };
}
