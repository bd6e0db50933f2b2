/**
 * What the worker logs about loads: names and counts, never a value of a row (PHI must not reach the
 * logs). A whole file's quarantine reason may quote one (a reader's message such as "Could not convert
 * string 'Kofi Rossi' …", a data line taken for a header), so the log says that the file was
 * quarantined and the reason stays in `audit.ingest_manifest`; a SQL source's watermark is a row's value.
 */

/** A file load's outcome, as far as the log tells it. */
export interface FileLoadOutcome {
  entity: string;
  file: string;
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  quarantinedFile?: string;
  duplicateOf?: string;
  duplicateSkipped?: boolean;
}

/** The attributes of a file load's log line. */
export function fileLoadLog(r: FileLoadOutcome): Record<string, unknown> {
  return {
    entity: r.entity,
    file: r.file,
    rowsIn: r.rowsIn,
    rowsLoaded: r.rowsLoaded,
    rowsQuarantined: r.rowsQuarantined,
    ...(r.quarantinedFile ? { quarantinedFile: true, reasonIn: 'audit.ingest_manifest' } : {}),
    ...(r.duplicateOf ? { duplicateOf: r.duplicateOf, duplicateSkipped: r.duplicateSkipped } : {}),
  };
}

/** The attributes of a SQL-source table extract's log line: the watermark (a row's value) left out. */
export function extractLog(
  source: string,
  table: string,
  target: string,
  counts: { rowsIn: number; rowsLoaded: number; rowsQuarantined: number },
): Record<string, unknown> {
  return {
    source,
    table,
    target,
    rowsIn: counts.rowsIn,
    rowsLoaded: counts.rowsLoaded,
    rowsQuarantined: counts.rowsQuarantined,
  };
}
