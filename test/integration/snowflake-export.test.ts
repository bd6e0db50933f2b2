import { join } from 'node:path';
import { createExportActivities, type ExportMartInput } from '../../activities/export';
import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import { readWithDeltaRs } from '../helpers/delta';
import { openFakesnow, realSnowflakeFromEnv } from '../helpers/fakesnow';
import { tmpDir } from '../helpers/tmp';

/**
 * The Delta export from Snowflake: Parquet unloaded to an internal stage (COPY INTO @stage), fetched
 * with GET, committed to the Delta log; read back by delta-rs, against the same mart exported from
 * DuckDB. Runs on the local Snowflake-protocol server, and on real Snowflake when SNOWFLAKE_ACCOUNT is set.
 */
const snowflakes: Array<[string, () => Promise<Warehouse>]> = [
  ['snowflake protocol (fakesnow)', () => openFakesnow(`edp_export_${process.pid}`)],
];
const real = realSnowflakeFromEnv();
if (real) snowflakes.push(['snowflake', real]);

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

const input: ExportMartInput = {
  mart: 'member_summary',
  mode: 'overwrite',
  interval: { start: '2026-01-02T00:00:00.000Z', end: '2026-01-02T04:00:00.000Z' },
  runId: 'edp-export-sf',
  txnVersion: 1000,
};

describe.each(snowflakes)('Delta export from %s', (_name, open) => {
  let sf: Warehouse;
  let duck: Warehouse;
  beforeAll(async () => {
    sf = await open();
    duck = await DuckDbWarehouse.open({ path: join(tmpDir(), 'export.duckdb') });
  });
  afterAll(async () => {
    await sf?.close();
    await duck?.close();
  });

  it('writes the Delta table delta-rs reads as it reads the DuckDB export, once per run', async () => {
    await mart(sf);
    await mart(duck);
    const fromSnowflake = createExportActivities({ warehouse: sf, exportDir: join(tmpDir(), 'sf') });
    const fromDuck = createExportActivities({ warehouse: duck, exportDir: join(tmpDir(), 'duck') });
    const r = await fromSnowflake.exportMart(input);
    expect(r).toMatchObject({ deltaVersion: 0, rows: 3, files: 1, alreadyCommitted: false });
    const got = await readWithDeltaRs(r.path);
    const want = await readWithDeltaRs((await fromDuck.exportMart(input)).path);
    const sorted = (rows: Array<Record<string, unknown>>) =>
      [...rows].sort((a, b) => String(a.member_id).localeCompare(String(b.member_id)));
    // Snowflake's INTEGER is NUMBER(38,0): exported as decimal(38,0) (DuckDB's BIGINT as long); the rest alike.
    const claimsAsDecimal = (rows: Array<Record<string, unknown>>) =>
      sorted(rows).map((r) => ({ ...r, claims: r.claims === null ? null : String(r.claims as string | number) }));
    expect(got.schema).toEqual(want.schema.map((c) => (c.name === 'claims' ? { ...c, type: 'decimal128(38, 0)' } : c)));
    expect(claimsAsDecimal(got.rows)).toEqual(claimsAsDecimal(want.rows));
    expect(sorted(got.rows)[0]).toMatchObject({
      member_id: 'M1',
      paid_amount: '1234.50',
      last_event: '2026-01-02T08:00:00+00:00',
    });
    // A retry of the same run writes nothing; the unload left nothing on the stage.
    expect(await fromSnowflake.exportMart(input)).toMatchObject({ deltaVersion: 0, alreadyCommitted: true });
    expect(await sf.query('LIST @edp_stage.unload')).toEqual([]);
  });

  it('exports an empty mart as an empty Delta version (Snowflake unloads no file for no rows)', async () => {
    await mart(sf);
    await sf.execute('DELETE FROM marts.member_summary');
    const acts = createExportActivities({ warehouse: sf, exportDir: join(tmpDir(), 'empty') });
    const r = await acts.exportMart({ ...input, runId: 'edp-export-empty' });
    expect(r).toMatchObject({ deltaVersion: 0, rows: 0, files: 0 });
    const read = await readWithDeltaRs(r.path);
    expect(read.rows).toEqual([]);
    expect(read.schema.map((c) => c.name)).toContain('member_id');
  });
});
