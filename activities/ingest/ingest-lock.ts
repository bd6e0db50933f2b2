import { EdpError } from '../../lib/errors';
import { SCHEMA_LOCK } from '../audit';
import type { Dialect, Warehouse, WarehouseSession } from '../warehouse';
import { manifestEntriesFor } from './ingest-manifest';

/** A landed content of an entity, under whatever name: what two loads must not both commit. */
export interface ContentKey {
  entity: string;
  checksum: string;
}

/**
 * Raised inside a load's transaction when another load of the same content holds its lock (an engine
 * that reports the conflict instead of waiting: DuckDB) or committed it meanwhile (Snowflake, after
 * the wait). Rolls the load back; it is tried again and then finds the other load's manifest row.
 */
export class ContentRaced extends Error {
  override readonly name = 'ContentRaced';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock row's name in `audit.schema_lock`. */
const lockName = (k: ContentKey): string => `ingest:${k.entity}:${k.checksum}`;

/**
 * Runs an idempotent step that other workers may run at the same moment (`CREATE … IF NOT EXISTS`,
 * an insert-if-absent), again after a failure, up to `tries` times with growing pauses: an engine that
 * reports the racing statement as a conflict (DuckDB, and the local Snowflake server on it) or a
 * duplicate key refuses the second runner once, and the next run finds the first one's work done.
 */
export async function againWhenRaced<T>(step: () => Promise<T>, tries = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      // The platform's own errors (a config key to fix, bad input) say what is wrong: no race to wait out.
      if (attempt >= tries || err instanceof EdpError) throw err;
      await sleep(25 * 2 ** attempt);
    }
  }
}

/**
 * Creates the content's lock row if missing, outside any transaction, so every load's transaction
 * finds it; on an engine without enforced keys a racing second row is locked together with the first.
 */
export function ensureContentLock(w: Warehouse, k: ContentKey): Promise<number> {
  const lock = w.dialect.table(SCHEMA_LOCK.ref);
  return againWhenRaced(() =>
    w.execute(`INSERT INTO ${lock} SELECT ?, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM ${lock} WHERE name = ?)`, [
      lockName(k),
      lockName(k),
    ]),
  );
}

/**
 * Takes the content's row lock in `tx`, then checks that no load committed a manifest row for the
 * content since this one read `seen` of them; throws {@link ContentRaced} otherwise. Called just before
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
  try {
    await tx.execute(`UPDATE ${d.table(SCHEMA_LOCK.ref)} SET holder = ?, locked_at = ${d.now()} WHERE name = ?`, [
      holder,
      lockName(k),
    ]);
  } catch (err) {
    throw new ContentRaced(`${k.entity} content ${k.checksum} is being loaded by another worker`, { cause: err });
  }
  if ((await manifestEntriesFor(tx, k.entity, k.checksum)).length !== seen) {
    throw new ContentRaced(`${k.entity} content ${k.checksum} was loaded by another worker meanwhile`);
  }
}

/**
 * Runs a load until it does not lose a race: after {@link ContentRaced}, or any failure while another
 * load committed a manifest row for the content (a conflict reported at commit), it pauses and runs
 * again, up to about a minute; `seen` reports how many rows the failed attempt had read (−1: none).
 */
export async function untilNotRaced<T>(
  w: Warehouse,
  k: ContentKey,
  attempt: (seen: (n: number) => void) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    let read = -1;
    try {
      return await attempt((n) => {
        read = n;
      });
    } catch (err) {
      const raced =
        err instanceof ContentRaced || (read >= 0 && (await manifestEntriesFor(w, k.entity, k.checksum)).length > read);
      if (!raced) throw err;
      // Still refused after a minute: what refused it (a driver error) is what the caller classifies.
      if (tries >= 40) throw err instanceof ContentRaced && err.cause ? err.cause : err;
      await sleep(Math.min(2_000, 25 * 2 ** tries));
    }
  }
}
