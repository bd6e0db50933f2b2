import { join } from 'node:path';
import { createExtractActivities } from '../../activities/ingest';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { writeSampleSources } from '../../cli/sample-files';
import { testConfig } from '../helpers/platform';

/** Incremental and full-refresh extracts from a real PostgreSQL into a real DuckDB file. */
describe('SQL source extracts (PostgreSQL → DuckDB)', () => {
  const day1 = { start: '2026-06-01T00:00:00.000Z', end: '2026-06-01T04:00:00.000Z' };
  const day2 = { start: '2026-06-01T04:00:00.000Z', end: '2026-06-01T08:00:00.000Z' };

  it('extracts above the committed watermark, never twice, and advances it only when the load commits', async () => {
    const { config } = testConfig('it-extract');
    const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
    const acts = createExtractActivities({
      warehouse: w,
      sources: config.sources,
      extractDir: join(config.stateDir, 'extracts'),
    });
    const events = (interval: typeof day1, runId: string) =>
      acts.extractSqlTable({ source: 'operational', table: 'claim_status_events', interval, runId });
    const count = async (sql: string) => Number((await w.query<{ n: string }>(sql))[0].n);
    try {
      expect(await writeSampleSources(config, day1, 1)).toBe(1000); // new claim status events (plus the 3 plans)
      const first = await events(day1, 'r1');
      expect(first).toMatchObject({
        rowsIn: 1000,
        rowsLoaded: 1000,
        rowsQuarantined: 0,
        watermarkBefore: null,
        target: 'raw.operational_claim_status_events',
      });
      expect(first.watermarkAfter).toMatch(/^2026-06-01 03:5\d:\d\d/);

      const again = await events(day1, 'r2');
      expect(again).toMatchObject({
        rowsIn: 0,
        watermarkBefore: first.watermarkAfter,
        watermarkAfter: first.watermarkAfter,
      });

      // A load that fails leaves the watermark where it was: nothing is skipped when it is retried.
      expect(await writeSampleSources(config, day2, 1)).toBe(1000);
      await w.execute('ALTER TABLE raw.operational_claim_status_events RENAME TO saved_events');
      await w.execute('CREATE VIEW raw.operational_claim_status_events AS SELECT 1 AS x'); // the load cannot write here
      await expect(events(day2, 'r3')).rejects.toThrow();
      expect(
        await w.query("SELECT watermark FROM audit.source_watermarks WHERE table_name = 'claim_status_events'"),
      ).toEqual([{ watermark: first.watermarkAfter }]);
      await w.execute('DROP VIEW raw.operational_claim_status_events');
      await w.execute('ALTER TABLE raw.saved_events RENAME TO operational_claim_status_events');
      const retried = await events(day2, 'r4');
      expect(retried).toMatchObject({ rowsIn: 1000, rowsLoaded: 1000, watermarkBefore: first.watermarkAfter });
      expect(retried.watermarkAfter).toMatch(/^2026-06-01 07:5\d:\d\d/);
      expect(await count('SELECT count(*) AS n FROM raw.operational_claim_status_events')).toBe(2000);
      expect(await count('SELECT count(DISTINCT event_id) AS n FROM raw.operational_claim_status_events')).toBe(2000);
    } finally {
      await w.close();
    }
  });

  it('replaces a full-refresh table on every extract', async () => {
    const { config } = testConfig('it-extract-full');
    await writeSampleSources(config, day1, 1);
    const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
    const acts = createExtractActivities({
      warehouse: w,
      sources: config.sources,
      extractDir: join(config.stateDir, 'extracts'),
    });
    try {
      for (const runId of ['r1', 'r2']) {
        const r = await acts.extractSqlTable({ source: 'operational', table: 'plans', interval: day1, runId });
        expect(r).toMatchObject({ mode: 'full', rowsIn: 3, rowsLoaded: 3 });
      }
      expect(await w.query('SELECT plan_id, deductible FROM raw.operational_plans ORDER BY 1')).toEqual([
        { plan_id: 'PLN-BRONZE', deductible: '7000.00' },
        { plan_id: 'PLN-GOLD', deductible: '1000.00' },
        { plan_id: 'PLN-SILVER', deductible: '3500.00' },
      ]);
    } finally {
      await w.close();
    }
  });
});
