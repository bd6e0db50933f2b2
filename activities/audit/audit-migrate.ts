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

/** How often a migration run is tried before its error is raised: a concurrent runner's catalog change aborts ours. */
const ATTEMPTS = 6;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The audit schema version of the database behind `w` (0: none applied, or no version table yet). */
export async function auditSchemaVersion(w: Warehouse): Promise<number> {
  const exists = await w.describeTable(SCHEMA_VERSION.ref);
  return exists ? versionIn(w, w) : 0;
}

async function versionIn(w: Warehouse, s: WarehouseSession): Promise<number> {
  const d = w.dialect;
  const [row] = await s.query<Row>(`SELECT max(${d.quoteIdent('version')}) AS v FROM ${d.table(SCHEMA_VERSION.ref)}`);
  return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
}

/** Applies the pending migrations, adding the versions it applied to `applied`. */
async function migrateOnce(w: Warehouse, migrations: readonly AuditMigration[], applied: number[]): Promise<void> {
  const d = w.dialect;
  await w.execute(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(AUDIT_SCHEMA)}`);
  await w.execute(createTableSql(d, SCHEMA_VERSION));
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if ((await versionIn(w, w)) >= m.version) continue;
    const statements = await m.plan(w);
    const done = await w.transaction(async (tx) => {
      // Checked again inside the transaction: a concurrent runner may have committed it since.
      if ((await versionIn(w, tx)) >= m.version) return false;
      for (const sql of statements) await tx.execute(sql);
      // The guard keeps one row per version where the engine does not enforce the primary key (Snowflake).
      const v = d.quoteIdent('version');
      await tx.execute(
        `INSERT INTO ${d.table(SCHEMA_VERSION.ref)} SELECT ${d.literal(m.version)}, ${d.literal(m.description)}, ${d.now()}
         WHERE NOT EXISTS (SELECT 1 FROM ${d.table(SCHEMA_VERSION.ref)} WHERE ${v} = ${d.literal(m.version)})`,
      );
      return true;
    });
    if (done) applied.push(m.version);
  }
}

/**
 * Brings the audit schema to the current version: creates the version table, then applies every
 * migration above the database's version, each in a transaction with its version row. Two runners at
 * once (two workers starting) do not fail: the loser's transaction conflicts or finds the version
 * already there, and is tried again after a pause. Returns the versions this call applied.
 */
export async function migrateAudit(
  w: Warehouse,
  migrations: readonly AuditMigration[] = AUDIT_MIGRATIONS,
): Promise<number[]> {
  const applied: number[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateOnce(w, migrations, applied);
      return applied;
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      await sleep(25 * 2 ** attempt);
    }
  }
}

/** Migrates the audit schema once per warehouse handle; every audit writer awaits it before its first write. */
export function ensureAudit(w: Warehouse): Promise<void> {
  return ensureOnce(w, 'audit:schema', () => migrateAudit(w));
}
