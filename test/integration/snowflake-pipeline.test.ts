import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { runWorker } from '../../workers/worker';
import { readWithDeltaRs } from '../helpers/delta';
import { openFakesnow } from '../helpers/fakesnow';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

/**
 * platformPipeline with `warehouse.engine: snowflake`: the real worker and dev server, the warehouse
 * the local Snowflake-protocol server — ingest by PUT + COPY, the dbt project, quality rules and the
 * Delta export by Parquet unload, all over snowflake-sdk.
 */
describe('platformPipeline on Snowflake (local Snowflake-protocol server)', () => {
  // An interval no other test runs: the pipeline's workflow id is per interval on the shared dev server.
  const interval = { start: '2026-03-07T08:00:00.000Z', end: '2026-03-07T12:00:00.000Z' };
  const database = `edp_pipeline_${process.pid}`;
  const secret = join(tmpDir(), 'password');
  writeFileSync(secret, 'snow\n');
  const loaded = testConfig('it-sf-pipeline', {
    warehouse: {
      engine: 'snowflake',
      snowflake: {
        account: 'fakesnow',
        user: 'fake',
        database,
        schema: 'PUBLIC',
        passwordFile: secret,
        accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
      },
    },
  });
  const { config } = loaded;

  it('runs ingest → transform → quality → export', async () => {
    await (await openFakesnow(database)).close(); // creates the database
    await landSample(loaded, interval);
    let stop!: () => void;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const worker = runWorker(config, { until: new Promise<void>((r) => (stop = r)), onReady: ready, log: () => {} });
    await Promise.race([isReady, worker]);
    const { client, close } = await testClient();
    try {
      const result = await (await startPipeline(client, config, interval)).result();
      expect(result.status).toBe('succeeded');
      for (const f of result.ingest.files) expect(f.rowsIn).toBe(f.rowsLoaded + f.rowsQuarantined);
      expect(result.ingest.rowsQuarantined).toBeGreaterThan(0);
      expect(result.ingest.extracts.map((x) => [x.table, x.rowsLoaded])).toEqual([
        ['plans', 3],
        ['claim_status_events', 1000],
      ]);
      expect(result.transform.failed).toBe(0);
      expect(result.transform.models.length).toBeGreaterThan(15);
      expect(result.quality.passed).toBe(true);
      // What the warehouse holds agrees with what the run reported, and the export with the mart.
      const sf = await openFakesnow(database);
      try {
        const claims = result.ingest.files.find((f) => f.entity === 'claims')!;
        expect(await sf.query('SELECT COUNT(*) AS n FROM raw.claims')).toEqual([{ n: claims.rowsLoaded }]);
        const exported = result.export!.marts.find((m) => m.mart === 'member_claims_summary')!;
        const [mart] = await sf.query<{ n: number }>('SELECT COUNT(*) AS n FROM marts.member_claims_summary');
        expect(exported.rows).toBe(mart.n);
        expect(mart.n).toBeGreaterThan(0);
        expect((await readWithDeltaRs(exported.path)).rows.length).toBe(mart.n);
      } finally {
        await sf.close();
      }
    } finally {
      await close();
      stop();
      await worker;
    }
  });
});
