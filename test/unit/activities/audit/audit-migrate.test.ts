import { join } from 'node:path';
import {
  AUDIT_MIGRATIONS,
  AUDIT_TABLES,
  auditSchemaVersion,
  ensureAudit,
  INGEST_MANIFEST,
  migrateAudit,
  REALTIME_STATE,
  SCHEMA_CHANGES,
  SCHEMA_VERSION,
  STREAM_METRICS,
  type AuditMigration,
} from '../../../../activities/audit';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

/** Audit tables as pre-release code created them: the manifest before status, reason and load ids, keyed by content alone. */
const PRE_RELEASE = [
  'CREATE SCHEMA audit',
  `CREATE TABLE IF NOT EXISTS audit.ingest_manifest (
     entity VARCHAR NOT NULL, file VARCHAR NOT NULL, checksum VARCHAR NOT NULL, bytes BIGINT,
     rows_in BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, run_id VARCHAR,
     interval_start TIMESTAMPTZ, interval_end TIMESTAMPTZ, loaded_at TIMESTAMPTZ, PRIMARY KEY (entity, checksum))`,
  `INSERT INTO audit.ingest_manifest VALUES ('claims', 'claims/a.csv', 'abc', 10, 3, 2, 1, 'run-1',
     '2026-01-01T00:00:00Z', '2026-01-01T04:00:00Z', '2026-01-01T04:05:00Z')`,
  `CREATE TABLE IF NOT EXISTS audit.realtime_state (table_name VARCHAR PRIMARY KEY, data_ms BIGINT,
     data_timestamp TIMESTAMPTZ, mode VARCHAR, row_count BIGINT, duration_ms BIGINT)`,
  `INSERT INTO audit.realtime_state VALUES ('claims_current', 1000, '2026-01-01T00:00:00Z', 'full', 5, 20)`,
  // As the code before the audit module wrote it: already the version-1 columns.
  `CREATE TABLE IF NOT EXISTS audit.dead_letters (
     run_id VARCHAR, workflow_id VARCHAR, pipeline VARCHAR, interval_start TIMESTAMPTZ, interval_end TIMESTAMPTZ,
     step VARCHAR, step_workflow_id VARCHAR, error VARCHAR, failed_at TIMESTAMPTZ)`,
  `INSERT INTO audit.dead_letters VALUES ('r1', 'wf', 'claims', '2026-01-01T00:00:00Z', '2026-01-01T04:00:00Z',
     'export', 'wf-export', 'boom', '2026-01-01T04:10:00Z')`,
];

describe('audit schema migrations', () => {
  let w: DuckDbWarehouse;
  beforeEach(async () => {
    w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
  });
  afterEach(() => w.close());

  const columns = async (t: (typeof AUDIT_TABLES)[number]) => (await w.describeTable(t.ref))?.map((c) => c.name);
  const versionRows = () => w.query(`SELECT version, description FROM ${SCHEMA_VERSION.name} ORDER BY version`);

  it('creates every audit table on an empty database and records versions 1 to 5', async () => {
    expect(await auditSchemaVersion(w)).toBe(0);
    expect(await migrateAudit(w)).toEqual([1, 2, 3, 4, 5]);
    for (const t of AUDIT_TABLES) expect(await columns(t)).toEqual(Object.keys(t.columns));
    expect(await auditSchemaVersion(w)).toBe(5);
    expect(await w.query("SELECT nextval('audit.ingest_load_id')::INTEGER AS n")).toEqual([{ n: 1 }]);
  });

  it('brings a database created by earlier code to the current version, keeping its rows', async () => {
    for (const sql of PRE_RELEASE) await w.execute(sql);
    expect(await migrateAudit(w)).toEqual([1, 2, 3, 4, 5]);
    for (const t of AUDIT_TABLES) expect(await columns(t)).toEqual(Object.keys(t.columns));
    expect(
      await w.query(
        `SELECT entity, file, checksum, rows_loaded::INTEGER AS rows_loaded, run_id, status, load_id FROM ${INGEST_MANIFEST.name}`,
      ),
    ).toEqual([
      {
        entity: 'claims',
        file: 'claims/a.csv',
        checksum: 'abc',
        rows_loaded: 2,
        run_id: 'run-1',
        status: null,
        load_id: null,
      },
    ]);
    expect(
      await w.query(`SELECT table_name, data_ms::INTEGER AS data_ms, full_ms FROM ${REALTIME_STATE.name}`),
    ).toEqual([{ table_name: 'claims_current', data_ms: 1000, full_ms: null }]);
    expect(await w.query('SELECT run_id, error FROM audit.dead_letters')).toEqual([{ run_id: 'r1', error: 'boom' }]);
    // The rebuilt manifest has today's key: the same content under another name is a second row, a repeat is refused.
    const row = (file: string) =>
      w.execute(
        `INSERT INTO ${INGEST_MANIFEST.name} VALUES ('claims', '${file}', 'abc', 10, 3, 2, 1, 'run-2', NULL, NULL, NULL, 'loaded', NULL, 7)`,
      );
    await row('claims/b.csv');
    await expect(row('claims/b.csv')).rejects.toThrow(/[Dd]uplicate key|PRIMARY KEY/);
    expect((await w.listTables('audit')).map((t) => t.table)).not.toContainEqual(
      expect.stringMatching(/__pre_rebuild$/),
    );
  });

  it('resumes a rebuild that stopped after keeping the old rows', async () => {
    await w.execute('CREATE SCHEMA audit');
    // A crash after the backup was taken and the old table dropped: only the backup holds the rows.
    await w.execute(
      `CREATE TABLE audit.realtime_state__pre_rebuild AS SELECT 'claims_current' AS table_name, 1000::BIGINT AS data_ms`,
    );
    expect(await migrateAudit(w)).toEqual([1, 2, 3, 4, 5]);
    expect(await w.query(`SELECT table_name, data_ms::INTEGER AS data_ms FROM ${REALTIME_STATE.name}`)).toEqual([
      { table_name: 'claims_current', data_ms: 1000 },
    ]);
    expect(await w.describeTable({ schema: 'audit', table: 'realtime_state__pre_rebuild' })).toBeUndefined();
  });

  it('adds audit.schema_changes to a database at version 1 (migration 2)', async () => {
    await migrateAudit(w, AUDIT_MIGRATIONS.slice(0, 1));
    // As version 1 of the code left it: no schema change table yet.
    await w.execute(`DROP TABLE ${SCHEMA_CHANGES.name}`);
    expect(await migrateAudit(w)).toEqual([2, 3, 4, 5]);
    expect(await columns(SCHEMA_CHANGES)).toEqual(Object.keys(SCHEMA_CHANGES.columns));
  });

  it('adds the delay columns to audit.stream_metrics at version 4, keeping its rows (migration 5)', async () => {
    await migrateAudit(w, AUDIT_MIGRATIONS.slice(0, 4));
    // As version 4 of the code left it: the metrics without the delay behind the source.
    await w.execute(`DROP TABLE ${STREAM_METRICS.name}`);
    await w.execute(
      `CREATE TABLE ${STREAM_METRICS.name} (checked_at TIMESTAMPTZ, topic VARCHAR, total_lag BIGINT, lag VARCHAR,
         raw_p50_ms BIGINT, raw_p95_ms BIGINT, raw_p99_ms BIGINT, staging_p50_ms BIGINT, staging_p95_ms BIGINT,
         staging_p99_ms BIGINT, events_per_second BIGINT)`,
    );
    await w.execute(
      `INSERT INTO ${STREAM_METRICS.name} VALUES ('2026-01-01T00:00:00Z', 'claims', 0, '{}', 1, 2, 3, 4, 5, 6, 7)`,
    );
    expect(await migrateAudit(w)).toEqual([5]);
    expect(await columns(STREAM_METRICS)).toEqual(Object.keys(STREAM_METRICS.columns));
    expect(
      await w.query(
        `SELECT topic, events_per_second::INTEGER AS eps, staging_delay_seconds FROM ${STREAM_METRICS.name}`,
      ),
    ).toEqual([{ topic: 'claims', eps: 7, staging_delay_seconds: null }]);
  });

  it('does nothing the second time', async () => {
    for (const sql of PRE_RELEASE) await w.execute(sql);
    await migrateAudit(w);
    const before = await w.query(`SELECT * FROM ${INGEST_MANIFEST.name}`);
    expect(await migrateAudit(w)).toEqual([]);
    expect(await w.query(`SELECT * FROM ${INGEST_MANIFEST.name}`)).toEqual(before);
    expect(await versionRows()).toEqual([
      { version: 1, description: AUDIT_MIGRATIONS[0].description },
      { version: 2, description: AUDIT_MIGRATIONS[1].description },
      { version: 3, description: AUDIT_MIGRATIONS[2].description },
      { version: 4, description: AUDIT_MIGRATIONS[3].description },
      { version: 5, description: AUDIT_MIGRATIONS[4].description },
    ]);
  });

  it('applies only the migrations above the recorded version, in order', async () => {
    await migrateAudit(w);
    const plans: number[] = [];
    const step = (version: number): AuditMigration => ({
      version,
      description: `step ${version}`,
      plan: () => {
        plans.push(version);
        return Promise.resolve([`CREATE TABLE audit.step_${version} (x INTEGER)`]);
      },
    });
    expect(await migrateAudit(w, [step(7), ...AUDIT_MIGRATIONS, step(6)])).toEqual([6, 7]);
    expect(plans).toEqual([6, 7]);
    expect(await auditSchemaVersion(w)).toBe(7);
    expect(await migrateAudit(w, [...AUDIT_MIGRATIONS, step(6), step(7)])).toEqual([]);
  });

  it('lets runners race on one database: none fails and each migration applies once', async () => {
    for (const sql of PRE_RELEASE) await w.execute(sql);
    const applied = await Promise.all([migrateAudit(w), migrateAudit(w), migrateAudit(w)]);
    expect(applied.flat().sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await versionRows()).toHaveLength(5);
    expect(await w.query(`SELECT count(*)::INTEGER AS n FROM ${INGEST_MANIFEST.name}`)).toEqual([{ n: 1 }]);
    for (const t of AUDIT_TABLES) expect(await columns(t)).toEqual(Object.keys(t.columns));
  });

  it('migrates once per warehouse handle however many writers ask', async () => {
    await Promise.all([ensureAudit(w), ensureAudit(w)]);
    await ensureAudit(w);
    expect(await versionRows()).toHaveLength(5);
  });

  it('raises a migration that cannot apply, records no version for it, and applies it once it is fixed', async () => {
    await migrateAudit(w);
    const step = (sql: string): AuditMigration => ({
      version: 6,
      description: 'a table and a bad statement',
      plan: () => Promise.resolve(['CREATE TABLE IF NOT EXISTS audit.half (x INTEGER)', sql]),
    });
    await expect(migrateAudit(w, [...AUDIT_MIGRATIONS, step('NOT SQL')])).rejects.toThrow(/syntax error/i);
    expect(await auditSchemaVersion(w)).toBe(5);
    expect(await migrateAudit(w, [...AUDIT_MIGRATIONS, step('CREATE TABLE audit.whole (x INTEGER)')])).toEqual([6]);
    expect(await w.describeTable({ schema: 'audit', table: 'whole' })).toBeDefined();
  });
});
