import { EdpError } from '../../lib/errors';
import type { Dialect } from '../warehouse/dialect';
import type { Warehouse, WarehouseSession } from '../warehouse/warehouse';
import { SCHEMA_LOCK } from './audit-migrate';

/**
 * Raised inside a transaction when another runner holds the same lock row (an engine that reports the
 * conflict instead of waiting: DuckDB) or committed the guarded work meanwhile (Snowflake, after the
 * wait). Rolls the transaction back; the runner tries again and then finds the other one's work.
 */
export class LockRaced extends Error {
  override readonly name = 'LockRaced';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
 * Creates the lock row `name` if missing, outside any transaction, so every runner's transaction finds
 * it; on an engine without enforced keys a racing second row is locked together with the first.
 */
export function ensureLockRow(w: Warehouse, name: string): Promise<number> {
  const lock = w.dialect.table(SCHEMA_LOCK.ref);
  return againWhenRaced(() =>
    w.execute(`INSERT INTO ${lock} SELECT ?, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM ${lock} WHERE name = ?)`, [
      name,
      name,
    ]),
  );
}

/**
 * Takes the lock row `name` in `tx` until it ends: a second runner waits for it (Snowflake) or
 * conflicts (DuckDB: {@link LockRaced} saying `busy`).
 */
export async function takeLockRow(
  tx: WarehouseSession,
  d: Dialect,
  name: string,
  holder: string,
  busy: string,
): Promise<void> {
  try {
    await tx.execute(`UPDATE ${d.table(SCHEMA_LOCK.ref)} SET holder = ?, locked_at = ${d.now()} WHERE name = ?`, [
      holder,
      name,
    ]);
  } catch (err) {
    throw new LockRaced(busy, { cause: err });
  }
}

/**
 * Runs an attempt until it does not lose a race: after {@link LockRaced}, or any failure while another
 * runner committed (`committed()` counts the guarded records, now more than the attempt had read: a
 * conflict reported at commit, a scratch table the winner dropped), it pauses and runs again, up to
 * about a minute; `seen` reports how many records the failed attempt had read (−1: none).
 */
export async function untilNotRaced<T>(
  committed: () => Promise<number>,
  attempt: (seen: (n: number) => void) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    let read = -1;
    try {
      return await attempt((n) => {
        read = n;
      });
    } catch (err) {
      const raced = err instanceof LockRaced || (read >= 0 && (await committed()) > read);
      if (!raced) throw err;
      // Still refused after a minute: what refused it (a driver error) is what the caller classifies.
      if (tries >= 40) throw err instanceof LockRaced && err.cause ? err.cause : err;
      await sleep(Math.min(2_000, 25 * 2 ** tries));
    }
  }
}
