import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExportActivities, type ExportMartInput } from '../../activities/export';
import type { Warehouse } from '../../activities/warehouse';
import { readWithDeltaRs } from '../helpers/delta';
import { compared, describeEngines, only, withReference, type TestEngine } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';

/**
 * The Delta export on every engine of the test list (test/helpers/engines.ts), read back by delta-rs:
 * on DuckDB by COPY … TO Parquet, on Snowflake by Parquet unloaded to an internal stage (COPY INTO @stage)
 * and fetched with GET. Each engine compared with the reference exports the same mart as DuckDB does.
 */

/** DuckDB's own types: zoned and naive timestamps, casts, and a HUGEINT sum. */
const MART = `
  CREATE SCHEMA marts;
  CREATE TABLE marts.member_summary AS SELECT * FROM (VALUES
    ('M1', 12, 1234.50::DECIMAL(18,2), DATE '2026-01-02', TIMESTAMPTZ '2026-01-02 10:00:00+02', TIMESTAMP '2026-01-02 08:00:00', true),
    ('M2', NULL, NULL, NULL, NULL, NULL, NULL),
    ('M3', 7, 0.05::DECIMAL(18,2), DATE '2025-12-31', TIMESTAMPTZ '2025-12-31 23:59:59+00', TIMESTAMP '2025-12-31 23:59:59', false)
  ) t(member_id, claims, paid_amount, last_service, last_event, last_event_naive, active);
  CREATE TABLE marts.totals AS SELECT sum(claims::HUGEINT) AS all_claims, count(*) AS members FROM marts.member_summary;
`;

/**
 * The same mart on any engine: text, integer, decimal, date, timestamp with zone, boolean, NULLs, and a
 * count (`visits`: BIGINT on DuckDB, NUMBER(10,0) on Snowflake, both a Delta long).
 */
async function mart(w: Warehouse): Promise<void> {
  const t = (type: Parameters<Warehouse['dialect']['columnType']>[0]) => w.dialect.columnType(type);
  const count = w.dialect.name === 'snowflake' ? 'NUMBER(10,0)' : 'BIGINT';
  await w.execute('CREATE SCHEMA IF NOT EXISTS marts');
  await w.execute(
    `CREATE OR REPLACE TABLE marts.member_summary (member_id ${t('string')}, claims ${t('integer')}, paid_amount ${t('decimal')},
       last_service ${t('date')}, last_event ${t('timestamp')}, active ${t('boolean')}, visits ${count})`,
  );
  await w.execute(`INSERT INTO marts.member_summary VALUES
    ('M1', 12, 1234.50, '2026-01-02', '2026-01-02T08:00:00Z', TRUE, 3),
    ('M2', NULL, NULL, NULL, NULL, NULL, NULL),
    ('M3', 7, 0.05, '2025-12-31', '2025-12-31T23:59:59Z', FALSE, 0)`);
}

const interval = { start: '2026-01-02T00:00:00.000Z', end: '2026-01-02T04:00:00.000Z' };
const input = (over: Partial<ExportMartInput> = {}): ExportMartInput => ({
  mart: 'member_summary',
  mode: 'overwrite',
  interval,
  runId: 'edp-export-test',
  txnVersion: 1000,
  ...over,
});

let opened = 0;
/** Each test on a fresh warehouse (its own audit tables) of `engine`, the mart built by `build`, and its own export folder. */
function freshExport(engine: TestEngine, build: (w: Warehouse) => Promise<void>) {
  const ctx = {} as { w: Warehouse; exportDir: string; acts: ReturnType<typeof createExportActivities> };
  beforeEach(async () => {
    ctx.exportDir = join(tmpDir('edp-delta-'), 'export');
    ctx.w = await engine.open(`export_${++opened}`);
    await build(ctx.w);
    ctx.acts = createExportActivities({ warehouse: ctx.w, exportDir: ctx.exportDir });
  });
  afterEach(() => ctx.w.close());
  return ctx;
}

describeEngines(
  'Delta Lake export of DuckDB types from %s, read back by delta-rs and DuckDB',
  (engine) => {
    const ctx = freshExport(engine, async (w) => {
      for (const stmt of MART.split(';')
        .map((s) => s.trim())
        .filter(Boolean))
        await w.execute(stmt);
    });

    it('maps types (decimal, date, UTC timestamps, nullability) so delta-rs reads the mart row for row', async () => {
      const r = await ctx.acts.exportMart(input());
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
      const [n] = await ctx.w.query<{ n: string }>(`SELECT count(*) AS n FROM read_parquet('${r.path}/*.parquet')`);
      expect(Number(n.n)).toBe(3);
      expect(await ctx.w.query('SELECT mart, delta_version, rows, files FROM audit.export_manifest')).toEqual([
        { mart: 'member_summary', delta_version: '0', rows: '3', files: 1 },
      ]);
    });

    it('exports a HUGEINT sum as decimal(38,0)', async () => {
      const r = await ctx.acts.exportMart(input({ mart: 'totals' }));
      const read = await readWithDeltaRs(r.path);
      expect(read.schema.map((s) => s.type)).toEqual(['decimal128(38, 0)', 'int64']);
      expect(read.rows).toEqual([{ all_claims: '19', members: 3 }]);
    });
  },
  only('duckdb'),
);

describeEngines('Delta Lake export from %s: retries, partitions, schema changes', (engine) => {
  const ctx = freshExport(engine, mart);

  it('adds no second copy when an export is retried or re-run for the same run', async () => {
    const first = await ctx.acts.exportMart(input());
    const retry = await ctx.acts.exportMart(input());
    expect(retry).toMatchObject({ deltaVersion: first.deltaVersion, rows: 3, alreadyCommitted: true });
    expect(readdirSync(join(first.path, '_delta_log')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect((await readWithDeltaRs(first.path)).rows).toHaveLength(3);
    expect(await ctx.w.query('SELECT count(*)::INTEGER AS n FROM audit.export_manifest')).toEqual([{ n: 1 }]);

    await ctx.w.execute("INSERT INTO marts.member_summary (member_id) VALUES ('M4')");
    const later = await ctx.acts.exportMart(input({ txnVersion: 2000, runId: 'later-run' })); // a later pipeline run replaces
    expect(later).toMatchObject({ deltaVersion: 1, rows: 4, files: 1, alreadyCommitted: false });
    expect((await readWithDeltaRs(first.path)).rows).toHaveLength(4);
  });

  it('never shows a data file whose commit did not happen (what a crash before the commit leaves)', async () => {
    const r = await ctx.acts.exportMart(input());
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
    await ctx.w.execute("INSERT INTO marts.member_summary (member_id) VALUES ('M4')");
    await ctx.acts.exportMart(input({ txnVersion: 2000 }));
    expect((await readWithDeltaRs(r.path)).rows).toHaveLength(4);
  });

  it('replaces only the run’s interval partition in partition mode', async () => {
    const other = { start: '2026-01-02T04:00:00.000Z', end: '2026-01-02T08:00:00.000Z' };
    await ctx.acts.exportMart(input({ mode: 'partition' }));
    await ctx.acts.exportMart(input({ mode: 'partition', interval: other }));
    let read = await readWithDeltaRs(join(ctx.exportDir, 'member_summary'));
    expect(read.partitions).toEqual(['edp_interval']);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0000')).toHaveLength(3);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0400')).toHaveLength(3);

    await ctx.w.execute("DELETE FROM marts.member_summary WHERE member_id = 'M3'");
    const rerun = await ctx.acts.exportMart(input({ mode: 'partition', txnVersion: 3000 }));
    expect(rerun).toMatchObject({ rows: 2, files: 1 });
    read = await readWithDeltaRs(join(ctx.exportDir, 'member_summary'));
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0000')).toHaveLength(2);
    expect(read.rows.filter((r) => r.edp_interval === '20260102T0400')).toHaveLength(3);
  });

  it('records a new column as a schema update in the log, not a failure', async () => {
    await ctx.acts.exportMart(input());
    await ctx.w.execute("ALTER TABLE marts.member_summary ADD COLUMN plan_id VARCHAR DEFAULT 'PLN-GOLD'");
    const r = await ctx.acts.exportMart(input({ txnVersion: 2000 }));
    const log = readFileSync(join(r.path, '_delta_log', '00000000000000000001.json'), 'utf8');
    expect(log).toContain('"metaData"');
    const read = await readWithDeltaRs(r.path);
    expect(read.schema.map((s) => s.name)).toContain('plan_id');
    expect(read.rows.every((row) => row.plan_id === 'PLN-GOLD')).toBe(true);
  });

  it('refuses to drop a column from one partition of a partitioned table, saying what to do', async () => {
    await ctx.acts.exportMart(input({ mode: 'partition' }));
    await ctx.w.execute('ALTER TABLE marts.member_summary DROP COLUMN active');
    await expect(ctx.acts.exportMart(input({ mode: 'partition', txnVersion: 2000 }))).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining(
        'changed or dropped active: other partitions still have the old schema; export once with mode overwrite',
      ),
    });
  });
});

/** The run the comparison exports. */
const sfInput = input({ runId: 'edp-export-sf' });

describeEngines(
  'Delta export from %s, against the reference',
  (engine) => {
    const pair = withReference(() => engine.open('export'), 'export-reference');

    it('writes the Delta table delta-rs reads as it reads the DuckDB export, once per run', async () => {
      await mart(pair.w);
      await mart(pair.reference);
      const fromSnowflake = createExportActivities({ warehouse: pair.w, exportDir: join(tmpDir(), 'sf') });
      const fromDuck = createExportActivities({
        warehouse: pair.reference,
        exportDir: join(tmpDir(), 'duck'),
      });
      const r = await fromSnowflake.exportMart(sfInput);
      expect(r).toMatchObject({ deltaVersion: 0, rows: 3, files: 1, alreadyCommitted: false });
      const got = await readWithDeltaRs(r.path);
      const want = await readWithDeltaRs((await fromDuck.exportMart(sfInput)).path);
      const sorted = (rows: Array<Record<string, unknown>>) =>
        [...rows].sort((a, b) => String(a.member_id).localeCompare(String(b.member_id)));
      // Snowflake's INTEGER is NUMBER(38,0): exported as decimal(38,0) (DuckDB's BIGINT as long); the rest alike.
      const claimsAsDecimal = (rows: Array<Record<string, unknown>>) =>
        sorted(rows).map((r) => ({ ...r, claims: r.claims === null ? null : String(r.claims as string | number) }));
      expect(got.schema).toEqual(
        want.schema.map((c) => (c.name === 'claims' ? { ...c, type: 'decimal128(38, 0)' } : c)),
      );
      expect(claimsAsDecimal(got.rows)).toEqual(claimsAsDecimal(want.rows));
      expect(sorted(got.rows)[0]).toMatchObject({
        member_id: 'M1',
        paid_amount: '1234.50',
        last_event: '2026-01-02T08:00:00+00:00',
      });
      // A retry of the same run writes nothing; the unload left nothing on the stage.
      expect(await fromSnowflake.exportMart(sfInput)).toMatchObject({ deltaVersion: 0, alreadyCommitted: true });
      expect(await pair.w.query('LIST @edp_stage.unload')).toEqual([]);
    });

    it('exports an empty mart as an empty Delta version (Snowflake unloads no file for no rows)', async () => {
      await mart(pair.w);
      await pair.w.execute('DELETE FROM marts.member_summary');
      const acts = createExportActivities({ warehouse: pair.w, exportDir: join(tmpDir(), 'empty') });
      const r = await acts.exportMart({ ...sfInput, runId: 'edp-export-empty' });
      expect(r).toMatchObject({ deltaVersion: 0, rows: 0, files: 0 });
      const read = await readWithDeltaRs(r.path);
      expect(read.rows).toEqual([]);
      expect(read.schema.map((c) => c.name)).toContain('member_id');
    });
  },
  compared,
);
