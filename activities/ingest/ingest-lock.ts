import { ensureLockRow, LockRaced, takeLockRow, untilNotRaced } from '../audit';
import type { Dialect, Warehouse, WarehouseSession } from '../warehouse';
import { manifestEntriesFor } from './ingest-manifest';

/** A landed content of an entity, under whatever name: what two loads must not both commit. */
export interface ContentKey {
  entity: string;
  checksum: string;
}

/** The lock row's name in `audit.schema_lock`. */
const lockName = (k: ContentKey): string => `ingest:${k.entity}:${k.checksum}`;

/** Creates the content's lock row if missing, outside any transaction, so every load's transaction finds it. */
export function ensureContentLock(w: Warehouse, k: ContentKey): Promise<number> {
  return ensureLockRow(w, lockName(k));
}

/**
 * Takes the content's row lock in `tx`, then checks that no load committed a manifest row for the
 * content since this one read `seen` of them; throws {@link LockRaced} otherwise. Called just before
 * the manifest row is written, so the lock is held only while the load commits: a second load of the
 * content waits for it (Snowflake) or conflicts (DuckDB) and, tried again, reads the first one's row.
 */
export async function lockContent(
  tx: WarehouseSession,
  d: Dialect,
  k: ContentKey,
  seen: number,
  holder: string,
): Promise<void> {
  await takeLockRow(tx, d, lockName(k), holder, `${k.entity} content ${k.checksum} is being loaded by another worker`);
  if ((await manifestEntriesFor(tx, k.entity, k.checksum)).length !== seen) {
    throw new LockRaced(`${k.entity} content ${k.checksum} was loaded by another worker meanwhile`);
  }
}

/**
 * Runs a load until it does not lose a race with another load of the content (see {@link untilNotRaced});
 * `seen` reports how many manifest rows the failed attempt had read (−1: none).
 */
export function untilContentSettled<T>(
  w: Warehouse,
  k: ContentKey,
  attempt: (seen: (n: number) => void) => Promise<T>,
): Promise<T> {
  return untilNotRaced(async () => (await manifestEntriesFor(w, k.entity, k.checksum)).length, attempt);
}
