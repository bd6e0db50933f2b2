import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExportActivities, type ExportMartInput } from '../../activities/export';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { readWithDeltaRs } from '../helpers/delta';
import { tmpDir } from '../helpers/tmp';

const MART = `
  CREATE SCHEMA marts;
  CREATE TABLE marts.member_summary AS SELECT * FROM (VALUES
    ('M1', 12, 1234.50::DECIMAL(18,2), DATE '2026-01-02', TIMESTAMPTZ '2026-01-02 10:00:00+02', TIMESTAMP '2026-01-02 08:00:00', true),
    ('M2', NULL, NULL, NULL, NULL, NULL, NULL),
    ('M3', 7, 0.05::DECIMAL(18,2), DATE '2025-12-31', TIMESTAMPTZ '2025-12-31 23:59:59+00', TIMESTAMP '2025-12-31 23:59:59', false)
  ) t(member_id, claims, paid_amount, last_service, last_event, last_event_naive, active);
  CREATE TABLE marts.totals AS SELECT sum(claims::HUGEINT) AS all_claims, count(*) AS members FROM marts.member_summary;
`;

describe('Delta Lake export read back by delta-rs and DuckDB', () => {
  const interval = { start: '2026-01-02T00:00:00.000Z', end: '2026-01-02T04:00:00.000Z' };
  let w: DuckDbWarehouse;
  let exportDir: string;
  let acts: ReturnType<typeof createExportActivities>;
  const input = (over: Partial<ExportMartInput> = {}): ExportMartInput => ({
    mart: 'member_summary',
    mode: 'overwrite',
    interval,
    runId: 'edp-export-test',
    txnVersion: 1000,
    ...over,
  });

  beforeEach(async () => {
    const dir = tmpDir('edp-delta-');
    exportDir = join(dir, 'export');
    w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    for (const stmt of MART.split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await w.execute(stmt);
    acts = createExportActivities({ warehouse: w, exportDir });
  });
  afterEach(() => w.close());

  it('maps types (decimal, date, UTC timestamps, nullability) so delta-rs reads the mart row for row', async () => {
    const r = await acts.exportMart(input());
    expect(r).toMatchObject({ deltaVersion: 0, rows: 3, files: 1, alreadyCommitted: false });
    const read = await readWithDeltaRs(r.path);
    expect(read.protocol).toEqual([1, 2]); // no reader features: no timestamp_ntz
    expect(read.schema).toEqual([
      { name: 'member_id', type: 'string', nullable: true },
      { name: 'claims', type: 'int64', nullable: true },
      { name: 'paid_amount', type: 'decimal128(18, 2)', nullable: true },
      { name: 'last_service', type: 'date32[day]', nullable: true },
      { name: 'last_event', type: 'timestamp[us, tz=UTC]', nullable: true },
      { name: 'last_event_naive', type: 'timestamp[us, tz=UTC]', nullable: true },
      { name: 'active', type: 'bool', nullable: true },
    ]);
    expect([...read.rows].sort((a, b) => String(a.member_id).localeCompare(String(b.member_id)))).toEqual([
      {
        member_id: 'M1',
        claims: 12,
        paid_amount: '1234.50',
        last_service: '2026-01-02',
        last_event: '2026-01-02T08:00:00+00:00',
        last_event_naive: '2026-01-02T08:00:00+00:00',
        active: true,
      },
      {
        member_id: 'M2',
        claims: null,
        paid_amount: null,
        last_service: null,
        last_event: null,
        last_event_naive: null,
        active: null,
      },
      {
        member_id: 'M3',
        claims: 7,
        paid_amount: '0.05',
        last_service: '2025-12-31',
        last_event: '2025-12-31T23:59:59+00:00',
        last_event_naive: '2025-12-31T23:59:59+00:00',
        active: false,
      },
    ]);
    // DuckDB reads the Parquet files the log names, and the counts agree with the manifest.
    const [n] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM read_parquet('${r.path}/*.parquet')`);
    expect(Number(n.n)).toBe(3);
    expect(await w.query('SELECT mart, delta_version, rows, files FROM audit.export_manifest')).toEqual([
      { mart: 'member_summary', delta_version: '0', rows: '3', files: 1 },
    ]);
  });

  it('exports a HUGEINT sum as decimal(38,0)', async () => {
    const r = await acts.exportMart(input({ mart: 'totals' }));
    const read = await readWithDeltaRs(r.path);
    expect(read.schema.map((s) => s.type)).toEqual(['decimal128(38, 0)', 'int64']);
    expect(read.rows).toEqual([{ all_claims: '19', members: 3 }]);
  });

  it('adds no second copy when an export is retried or re-run for the same run', async () => {
    const first = await acts.exportMart(input());
    const retry = await acts.exportMart(input());
    expect(retry).toMatchObject({ deltaVersion: first.deltaVersion, rows: 3, alreadyCommitted: true });
    expect(readdirSync(join(first.path, '_delta_log')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect((await readWithDeltaRs(first.path)).rows).toHaveLength(3);
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM audit.export_manifest')).toEqual([{ n: 1 }]);

    await w.execute("INSERT INTO marts.member_summary (member_id) VALUES ('M4')");
    const later = await acts.exportMart(input({ txnVersion: 2000, runId: 'later-run' })); // a later pipeline run replaces
    expect(later).toMatchObject({ deltaVersion: 1, rows: 4, files: 1, alreadyCommitted: false });
    expect((await readWithDeltaRs(first.path)).rows).toHaveLength(4);
  });

  it('never shows a data file whose commit did not happen (what a crash before the commit leaves)', async () => {
    const r = await acts.exportMart(input());
    // A crashed writer leaves a Parquet file the log does not name.
    writeFileSync(
      join(r.path, 'part-00000-orphan-c000.snappy.parquet'),
      readFileSync(
        join(
          r.path,
          readdirSync(r.path).find((f) => f.endsWith('.parquet'))!,
        ),
      ),
    );
    expect((await readWithDeltaRs(r.path)).rows).toHaveLength(3);
    await w.execute("INSERT INTO marts.member_summary (member_id) VALUES ('M4')");
    await acts.exportMart(input({ txnVersion: 2000 }));
    expect((await readWithDeltaRs(r.path)).rows).toHaveLength(4);
  });

  it('replaces only the run’s interval partition in partition mode', async () => {
    const other = { start: '2026-01-02T04:00:00.000Z', end: '2026-01-02T08:00:00.000Z' };
    await acts.exportMart(input({ mode: 'partition' }));
    await acts.exportMart(input({ mode: 'partition', interval: other }));
    let read = await readWithDeltaRs(join(exportDir, 'member_summary'));
    expect(read.partitions).toEqual(['edp_interval']);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0000')).toHaveLength(3);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0400')).toHaveLength(3);

    await w.execute("DELETE FROM marts.member_summary WHERE member_id = 'M3'");
    const rerun = await acts.exportMart(input({ mode: 'partition', txnVersion: 3000 }));
    expect(rerun).toMatchObject({ rows: 2, files: 1 });
    read = await readWithDeltaRs(join(exportDir, 'member_summary'));
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0000')).toHaveLength(2);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0400')).toHaveLength(3);
  });

  it('records a new column as a schema update in the log, not a failure', async () => {
    await acts.exportMart(input());
    await w.execute("ALTER TABLE marts.member_summary ADD COLUMN plan_id VARCHAR DEFAULT 'PLN-GOLD'");
    const r = await acts.exportMart(input({ txnVersion: 2000 }));
    const log = readFileSync(join(r.path, '_delta_log', '00000000000000000001.json'), 'utf8');
    expect(log).toContain('"metaData"');
    const read = await readWithDeltaRs(r.path);
    expect(read.schema.map((s) => s.name)).toContain('plan_id');
    expect(read.rows.every((row) => row.plan_id === 'PLN-GOLD')).toBe(true);
  });

  it('refuses to drop a column from one partition of a partitioned table, saying what to do', async () => {
    await acts.exportMart(input({ mode: 'partition' }));
    await w.execute('ALTER TABLE marts.member_summary DROP COLUMN active');
    await expect(acts.exportMart(input({ mode: 'partition', txnVersion: 2000 }))).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining(
        'changed or dropped active: other partitions still have the old schema; export once with mode overwrite',
      ),
    });
  });
});
