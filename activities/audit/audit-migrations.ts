import type { Dialect } from '../warehouse/dialect';
import type { TableRef, Warehouse } from '../warehouse/warehouse';
import { AUDIT_SCHEMA, createTableSql, type AuditTable } from './audit-table';
import { AUDIT_SEQUENCES, AUDIT_TABLES } from './audit-tables';
import { ALERT_DELIVERIES, ALERT_INCIDENTS } from './alert-tables';
import { SCHEMA_CHANGES } from './schema-change-tables';
import { STREAM_METRICS, STREAM_METRICS_DELAY_COLUMNS } from './streaming-tables';
import { TRANSFORM_MANIFESTS } from './transform-tables';

/**
 * One step of the audit schema's history, applied once and in version order. `plan` reads the catalog
 * and returns the statements to run; they run in one transaction with the version row. Snowflake commits
 * DDL on its own, so a step's statements must also be safe to run again after a crash half-way.
 */
export interface AuditMigration {
  readonly version: number;
  readonly description: string;
  plan(w: Warehouse): Promise<string[]>;
}

/** Where a rebuild keeps the old rows until they are in the new table; found again after a crash. */
const backupOf = (t: AuditTable): TableRef => ({ schema: AUDIT_SCHEMA, table: `${t.ref.table}__pre_rebuild` });

/** Recreates `t` with its declared columns and copies the columns it shares with `backup` back, then drops the backup. */
function rebuildFrom(d: Dialect, t: AuditTable, backup: TableRef, backupColumns: readonly string[]): string[] {
  const kept = Object.keys(t.columns)
    .filter((c) => backupColumns.includes(c))
    .map((c) => d.quoteIdent(c))
    .join(', ');
  return [
    `DROP TABLE IF EXISTS ${d.table(t.ref)}`,
    createTableSql(d, t),
    ...(kept ? [`INSERT INTO ${d.table(t.ref)} (${kept}) SELECT ${kept} FROM ${d.table(backup)}`] : []),
    `DROP TABLE ${d.table(backup)}`,
  ];
}

/**
 * Brings every audit table to its declared columns: creates missing ones, and rebuilds one whose columns
 * (names, in order: writers insert by position) differ, as tables of pre-release code do, keeping the
 * values of the columns it shares with the declaration. A rebuild interrupted after its backup was made
 * resumes from the backup. Also creates the audit sequences.
 */
export async function reconcileAuditTables(w: Warehouse): Promise<string[]> {
  const d = w.dialect;
  const existing = new Set((await w.listTables(AUDIT_SCHEMA)).map((t) => t.table));
  const columnsOf = async (ref: TableRef): Promise<string[]> => ((await w.describeTable(ref)) ?? []).map((c) => c.name);
  const statements: string[] = [];
  for (const t of AUDIT_TABLES) {
    const backup = backupOf(t);
    if (existing.has(backup.table)) {
      statements.push(...rebuildFrom(d, t, backup, await columnsOf(backup)));
    } else if (!existing.has(t.ref.table)) {
      statements.push(createTableSql(d, t));
    } else {
      const columns = await columnsOf(t.ref);
      if (columns.join(',') === Object.keys(t.columns).join(',')) continue;
      statements.push(
        d.createTableAs(backup, `SELECT * FROM ${d.table(t.ref)}`),
        ...rebuildFrom(d, t, backup, columns),
      );
    }
  }
  statements.push(...AUDIT_SEQUENCES.map((s) => `CREATE SEQUENCE IF NOT EXISTS ${d.table(s)}`));
  return statements;
}

/** The audit schema's history; the last version is the one this code writes. */
export const AUDIT_MIGRATIONS: readonly AuditMigration[] = Object.freeze([
  {
    version: 1,
    description: 'audit tables as first released; tables of pre-release code rebuilt to their columns',
    plan: reconcileAuditTables,
  },
  {
    version: 2,
    description: 'audit.schema_changes: columns added and types widened in the tables the platform loads',
    plan: (w) => Promise.resolve([createTableSql(w.dialect, SCHEMA_CHANGES)]),
  },
  {
    version: 3,
    description: 'audit.transform_manifests: planned dbt manifests by checksum, readable by every worker',
    plan: (w) => Promise.resolve([createTableSql(w.dialect, TRANSFORM_MANIFESTS)]),
  },
  {
    version: 4,
    description: 'audit.alert_incidents and audit.alert_deliveries: what went wrong per interval, alerted once',
    plan: (w) =>
      Promise.resolve([createTableSql(w.dialect, ALERT_INCIDENTS), createTableSql(w.dialect, ALERT_DELIVERIES)]),
  },
  {
    version: 5,
    description: 'audit.stream_metrics: raw and staging delay behind the source in seconds (heartbeats)',
    plan: (w) =>
      Promise.resolve(
        STREAM_METRICS_DELAY_COLUMNS.map(
          (c) =>
            `ALTER TABLE ${w.dialect.table(STREAM_METRICS.ref)} ADD COLUMN IF NOT EXISTS ${w.dialect.quoteIdent(c)} ${STREAM_METRICS.columns[c]}`,
        ),
      ),
  },
]);
