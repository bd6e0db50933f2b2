import type { DataInterval } from '../../lib/intervals';
import { INGEST_MANIFEST } from '../audit';
import type { BulkLoadResult, Dialect, WarehouseSession } from '../warehouse';

const MANIFEST = INGEST_MANIFEST.name;

/**
 * What became of a landed file: `loaded` (rows in raw, some maybe quarantined), `quarantined` (refused
 * whole, `reason` says why) or `duplicate` (the same content was loaded under another name; skipped).
 */
export type ManifestStatus = 'loaded' | 'quarantined' | 'duplicate';

/** One `audit.ingest_manifest` row as the load reads it back. */
export interface ManifestEntry extends BulkLoadResult {
  file: string;
  status: ManifestStatus;
  reason: string | null;
}

/** Every file of the entity recorded with this content, under any name, in name order. */
export async function manifestEntriesFor(
  tx: WarehouseSession,
  entity: string,
  checksum: string,
): Promise<ManifestEntry[]> {
  const rows = await tx.query<{
    file: string;
    status: ManifestStatus;
    reason: string | null;
    rows_in: string;
    rows_loaded: string;
    rows_quarantined: string;
  }>(
    `SELECT file, status, reason, rows_in, rows_loaded, rows_quarantined FROM ${MANIFEST} WHERE entity = ? AND checksum = ? ORDER BY file`,
    [entity, checksum],
  );
  return rows.map((r) => ({
    file: r.file,
    status: r.status,
    reason: r.reason,
    rowsIn: Number(r.rows_in),
    rowsLoaded: Number(r.rows_loaded),
    rowsQuarantined: Number(r.rows_quarantined),
  }));
}

/** A manifest row to write: the file, its content, its counts and what became of it. */
export interface ManifestRecord {
  entity: string;
  file: string;
  checksum: string;
  bytes: number;
  counts: BulkLoadResult;
  runId: string;
  interval: DataInterval;
  status: ManifestStatus;
  reason: string | null;
  /** The load's id on its raw rows; null when no row was written. */
  loadId: number | null;
}

/** Writes a file's manifest row inside `tx`, so it commits with the rows it accounts for. */
export async function recordManifest(tx: WarehouseSession, d: Dialect, r: ManifestRecord): Promise<void> {
  const ts = d.columnType('timestamp');
  await tx.execute(
    `INSERT INTO ${MANIFEST} VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS ${ts}), CAST(? AS ${ts}), ${d.now()}, ?, ?, ?)`,
    [
      r.entity,
      r.file,
      r.checksum,
      r.bytes,
      r.counts.rowsIn,
      r.counts.rowsLoaded,
      r.counts.rowsQuarantined,
      r.runId,
      r.interval.start,
      r.interval.end,
      r.status,
      r.reason,
      r.loadId,
    ],
  );
}
