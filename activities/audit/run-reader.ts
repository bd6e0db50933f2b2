import { epochMsOf, isoInstant, numberOrNull, textOrNull, type AuditSource } from './audit-source';
import { EXPORT_MANIFEST } from './export-tables';
import { INGEST_MANIFEST } from './ingest-tables';

/** One landing file's load. */
export interface FileLoadRecord {
  entity: string;
  file: string;
  /** `loaded`, or `quarantined` for a file no row could be read from. */
  status: string | null;
  reason: string | null;
  rowsIn: number | null;
  rowsLoaded: number | null;
  rowsQuarantined: number | null;
  runId: string | null;
  loadedAt: string | null;
}

/** One mart's export. */
export interface MartExportRecord {
  mart: string;
  mode: string;
  runId: string;
  deltaVersion: number | null;
  rows: number | null;
  files: number | null;
  exportedAt: string | null;
}

/** The latest `limit` file loads, newest first. */
export async function readRecentLoads(src: AuditSource, limit = 20): Promise<FileLoadRecord[]> {
  const d = src.dialect;
  const rows = await src.query(
    `SELECT entity, file, status, reason, rows_in, rows_loaded, rows_quarantined, run_id, ${epochMsOf(d, 'loaded_at')}
     FROM ${d.table(INGEST_MANIFEST.ref)} ORDER BY loaded_at DESC, entity, file LIMIT ${d.literal(Math.trunc(limit))}`,
  );
  return rows.map((r) => ({
    entity: String(r.entity),
    file: String(r.file),
    status: textOrNull(r.status),
    reason: textOrNull(r.reason),
    rowsIn: numberOrNull(r.rows_in),
    rowsLoaded: numberOrNull(r.rows_loaded),
    rowsQuarantined: numberOrNull(r.rows_quarantined),
    runId: textOrNull(r.run_id),
    loadedAt: isoInstant(r.loaded_at_ms),
  }));
}

/** The latest `limit` mart exports, newest first. */
export async function readRecentExports(src: AuditSource, limit = 20): Promise<MartExportRecord[]> {
  const d = src.dialect;
  const rows = await src.query(
    `SELECT mart, mode, run_id, delta_version, rows, files, ${epochMsOf(d, 'exported_at')}
     FROM ${d.table(EXPORT_MANIFEST.ref)} ORDER BY exported_at DESC, mart LIMIT ${d.literal(Math.trunc(limit))}`,
  );
  return rows.map((r) => ({
    mart: String(r.mart),
    mode: String(r.mode),
    runId: String(r.run_id),
    deltaVersion: numberOrNull(r.delta_version),
    rows: numberOrNull(r.rows),
    files: numberOrNull(r.files),
    exportedAt: isoInstant(r.exported_at_ms),
  }));
}
