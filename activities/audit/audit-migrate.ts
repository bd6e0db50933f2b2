import { randomUUID } from 'node:crypto';
import type { Row, Warehouse, WarehouseSession } from '../warehouse/warehouse';
import { ensureOnce } from '../warehouse/schemas';
import { AUDIT_SCHEMA, auditTable, createTableSql } from './audit-table';
import { AUDIT_MIGRATIONS, type AuditMigration } from './audit-migrations';

/** One row per applied migration; the highest version is the database's. */
export const SCHEMA_VERSION = auditTable(
  'schema_version',
  { version: 'INTEGER NOT NULL', description: 'VARCHAR', applied_at: 'TIMESTAMPTZ' },
  ['version'],
);

/**
 * Named rows whose update locks runners hold: `migrations` while the audit schema migrates, one
 * `ingest:<entity>:<checksum>` per landed content while a load of it commits, one `transform:<node id>`
 * per incremental model or snapshot while a change to it commits; `holder` says who did last.
 */
export const SCHEMA_LOCK = auditTable(
  'schema_lock',
  { name: 'VARCHAR NOT NULL', holder: 'VARCHAR', locked_at: 'TIMESTAMPTZ' },
  ['name'],
);

const LOCK_ROW = 'migrations';

/** Raised when another runner holds the lock and the engine reports a conflict instead of waiting (DuckDB). */
class LockBusy extends Error {
  override readonly name = 'LockBusy';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` until it succeeds, pausing longer each time, for as many attempts as `retryable` allows. */
async function withRetries<T>(fn: () => Promise<T>, retryable: (err: unknown, attempt: number) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!retryable(err, attempt)) throw err;
      await sleep(Math.min(2_000, 25 * 2 ** attempt));
    }
  }
}

async function versionIn(w: Warehouse, s: WarehouseSession): Promise<number> {
  const d = w.dialect;
  const [row] = await s.query<Row>(`SELECT max(${d.quoteIdent('version')}) AS v FROM ${d.table(SCHEMA_VERSION.ref)}`);
  return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
}

/** The audit schema version of the database behind `w` (0: none applied, or no version table yet). */
export async function auditSchemaVersion(w: Warehouse): Promise<number> {
  return (await w.describeTable(SCHEMA_VERSION.ref)) ? versionIn(w, w) : 0;
}

/** Creates the schema, the version and lock tables and the lock row; each step is a no-op when done before. */
async function prepare(w: Warehouse): Promise<void> {
  const d = w.dialect;
  await w.execute(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(AUDIT_SCHEMA)}`);
  await w.execute(createTableSql(d, SCHEMA_VERSION));
  await w.execute(createTableSql(d, SCHEMA_LOCK));
  const lock = d.table(SCHEMA_LOCK.ref);
  await w.execute(
    `INSERT INTO ${lock} SELECT ${d.literal(LOCK_ROW)}, NULL, NULL
     WHERE NOT EXISTS (SELECT 1 FROM ${lock} WHERE name = ${d.literal(LOCK_ROW)})`,
  );
}

/** Applies the migrations above the database's version, in order, while `w`'s lock row is held. */
async function applyPending(w: Warehouse, migrations: readonly AuditMigration[]): Promise<number[]> {
  const d = w.dialect;
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if ((await versionIn(w, w)) >= m.version) continue;
    for (const sql of await m.plan(w)) await w.execute(sql);
    await w.execute(
      `INSERT INTO ${d.table(SCHEMA_VERSION.ref)} VALUES (${d.literal(m.version)}, ${d.literal(m.description)}, ${d.now()})`,
    );
    applied.push(m.version);
  }
  return applied;
}

/**
 * Brings the audit schema to the current version and returns the versions this call applied. Runners
 * (two workers starting at once) take turns on a lock row: each holds its update lock in a transaction
 * for the whole migration, so the next one waits (Snowflake) or conflicts and tries again (DuckDB), then
 * finds the version applied. The migration's own statements run beside that transaction, not in it:
 * Snowflake would commit the transaction, and so release the lock, at the first DDL statement.
 */
export async function migrateAudit(
  w: Warehouse,
  migrations: readonly AuditMigration[] = AUDIT_MIGRATIONS,
): Promise<number[]> {
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  const current = await versionIn(w, w).catch(() => undefined);
  if (current !== undefined && current >= latest) return [];
  // Concurrent first-time DDL can conflict (DuckDB aborts one); the statements are safe to repeat.
  await withRetries(
    () => prepare(w),
    (_err, attempt) => attempt < 6,
  );
  return withSchemaLock(w, () => applyPending(w, migrations));
}

/**
 * Runs `fn` while this runner holds the schema lock row (see {@link migrateAudit}): schema changes of
 * two workers take turns, so the second sees what the first changed. `fn`'s statements run beside the
 * lock's transaction, not in it (Snowflake would commit it, and release the lock, at the first DDL).
 */
export async function withSchemaLock<T>(w: Warehouse, fn: () => Promise<T>): Promise<T> {
  const d = w.dialect;
  const holder = randomUUID();
  return withRetries(
    () =>
      w.transaction(async (lock) => {
        try {
          await lock.execute(
            `UPDATE ${d.table(SCHEMA_LOCK.ref)} SET holder = ${d.literal(holder)}, locked_at = ${d.now()}
             WHERE name = ${d.literal(LOCK_ROW)}`,
          );
        } catch (err) {
          throw new LockBusy((err as Error).message);
        }
        return fn();
      }),
    // A long migration (a table rebuild) keeps the lock a while: wait up to about a minute for it.
    (err, attempt) => err instanceof LockBusy && attempt < 40,
  );
}

/** Migrates the audit schema once per warehouse handle; every audit writer awaits it before its first write. */
export function ensureAudit(w: Warehouse): Promise<void> {
  return ensureOnce(w, 'audit:schema', () => migrateAudit(w));
}
