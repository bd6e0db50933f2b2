import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startPipeline } from '../../cli/pipeline-run';
import { pipelineWorkflowId, stepWorkflowId } from '../../lib/ids';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_STATUS } from '../../lib/search-attributes';
import type { DataInterval } from '../../lib/intervals';
import type { LoadedConfig } from '../../workers/config';
import { openWarehouse } from '../../workers/warehouse-factory';
import { runWorker } from '../../workers/worker';
import { readWithDeltaRs } from '../helpers/delta';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { maybeRecordHistory } from '../helpers/histories';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';

/**
 * An interval per engine that no other test runs: the pipeline's workflow id is per interval on the
 * shared dev server.
 */
const INTERVALS: Record<TestEngine['name'], DataInterval> = {
  duckdb: { start: '2026-02-01T00:00:00.000Z', end: '2026-02-01T04:00:00.000Z' },
  snowflake: { start: '2026-03-07T08:00:00.000Z', end: '2026-03-07T12:00:00.000Z' },
  'snowflake-real': { start: '2026-03-08T08:00:00.000Z', end: '2026-03-08T12:00:00.000Z' },
};

/**
 * platformPipeline on the real dev server, with the real worker and activities, on every engine of the
 * test list (test/helpers/engines.ts): a DuckDB file, the local Snowflake-protocol server (ingest by PUT +
 * COPY, Delta export by Parquet unload, all over snowflake-sdk), real Snowflake when configured.
 */
describeEngines('platformPipeline on the Temporal dev server with %s', (engine) => {
  const interval = INTERVALS[engine.name];
  let loaded: LoadedConfig & { file: string };
  let config: LoadedConfig['config'];
  let stop!: () => void;
  let worker: Promise<void>;

  beforeAll(async () => {
    loaded = testConfig(`it-pipeline-${engine.name}`, await engine.configOverrides('pipeline'));
    config = loaded.config;
    await landSample(loaded, interval);
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    worker = runWorker(config, { until: new Promise<void>((r) => (stop = r)), onReady: ready, log: () => {} });
    await Promise.race([isReady, worker]);
  });
  afterAll(async () => {
    stop?.();
    await worker;
  });

  it('runs ingest → transform → quality → export as child workflows, filterable by search attributes', async () => {
    const { client, close } = await testClient(config);
    try {
      const handle = await startPipeline(client, config, interval);
      expect(handle.workflowId).toBe(`edp-pipeline-platform-${interval.end.slice(0, 19)}Z`);
      const result = await handle.result();
      expect(result.status).toBe('succeeded');
      expect(result.ingest.missing).toEqual([]);
      expect(result.ingest.files.map((f) => f.entity).sort()).toEqual([
        'accumulators',
        'claim_lines',
        'claims',
        'eligibility',
        'members',
        'providers',
      ]);
      for (const f of result.ingest.files) expect(f.rowsIn).toBe(f.rowsLoaded + f.rowsQuarantined);
      expect(result.ingest.rowsQuarantined).toBeGreaterThan(0); // the sample has 2% dirt
      expect(result.ingest.extracts.map((x) => [x.table, x.rowsLoaded])).toEqual([
        ['plans', 3],
        ['claim_status_events', 1000],
      ]);
      expect(result.transform.failed).toBe(0);
      expect(result.transform.models.length).toBeGreaterThan(15);
      expect(result.transform.models.every((m) => m.status === 'success' || m.status === 'warn')).toBe(true);
      expect(result.quality.passed).toBe(true);
      expect(result.export!.marts.map((m) => m.mart)).toEqual(['member_claims_summary', 'provider_claims_summary']);

      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(EDP_PIPELINE)).toBe('platform');
      expect(described.typedSearchAttributes.get(EDP_STATUS)).toBe('succeeded');
      expect(described.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString()).toBe(interval.start);
      for (const step of ['ingest', 'transform', 'quality', 'export'] as const) {
        const child = await client.workflow.getHandle(stepWorkflowId(config.pipeline.name, step, interval)).describe();
        expect(child.status.name).toBe('COMPLETED');
        expect(child.parentExecution?.workflowId).toBe(pipelineWorkflowId(config.pipeline.name, interval));
        // The replay fixtures are the reference engine's runs.
        if (engine.reference)
          await maybeRecordHistory(
            client,
            config.temporal.address,
            stepWorkflowId(config.pipeline.name, step, interval),
            'dev-server',
          );
      }
      if (engine.reference) await maybeRecordHistory(client, config.temporal.address, handle.workflowId, 'dev-server');

      const claims = result.ingest.files.find((f) => f.entity === 'claims')!;
      if (engine.expects.embedded) {
        // While the worker holds the DuckDB file, the CLI reads it through the worker.
        // (async: the worker answering the CLI runs in this very process)
        const cli = await promisify(execFile)(
          process.execPath,
          [join(__dirname, '..', '..', 'bin', 'edp.js'), 'query', 'select count(*) as n from raw.claims', '--json'],
          { encoding: 'utf8', env: { ...process.env, EDP_CONFIG: loaded.file } },
        );
        expect(cli.stderr).toBe('');
        expect(JSON.parse(cli.stdout)).toEqual([{ n: String(claims.rowsLoaded) }]);
      } else {
        // What the warehouse holds agrees with what the run reported, and the export with the mart.
        const w = await openWarehouse(config);
        try {
          expect(await w.query('SELECT COUNT(*) AS n FROM raw.claims')).toEqual([{ n: claims.rowsLoaded }]);
          const exported = result.export!.marts.find((m) => m.mart === 'member_claims_summary')!;
          const [mart] = await w.query<{ n: number }>('SELECT COUNT(*) AS n FROM marts.member_claims_summary');
          expect(exported.rows).toBe(mart.n);
          expect(mart.n).toBeGreaterThan(0);
          expect((await readWithDeltaRs(exported.path)).rows.length).toBe(mart.n);
        } finally {
          await w.close();
        }
      }

      // delta-rs reads the exported Delta table with the mart's rows.
      const mart = result.export!.marts[0];
      const read = await readWithDeltaRs(mart.path);
      expect(read.version).toBe(mart.deltaVersion);
      expect(read.rows).toHaveLength(mart.rows);
      expect(mart.rows).toBe(result.transform.models.find((m) => m.model === 'member_claims_summary')!.rows);
    } finally {
      await close();
    }
  });

  it('re-running the same interval loads nothing twice', async () => {
    const { client, close } = await testClient(config);
    try {
      const again = await (await startPipeline(client, config, interval)).result();
      expect(again.status).toBe('succeeded');
      expect(again.ingest.files.every((f) => f.alreadyLoaded)).toBe(true);
      // A new run of the interval publishes a new Delta version that replaces the old files: no second copy.
      const mart = again.export!.marts[0];
      expect(mart.deltaVersion).toBe(1);
      expect((await readWithDeltaRs(mart.path)).rows).toHaveLength(mart.rows);
      stop();
      await worker;
      if (!engine.expects.embedded) return; // the fingerprint reads a DuckDB file
      const fp = await warehouseFingerprint(config.warehouse.duckdb.path);
      const manifest = fp['audit.ingest_manifest'];
      const entities = config.landing.entities.map((e) => e.name);
      expect(manifest.startsWith(`${entities.length} rows`)).toBe(true);
      const loadedRows = again.ingest.files.reduce((n, f) => n + f.rowsLoaded, 0);
      const rawRows = entities.reduce((n, t) => n + Number(fp[`raw.${t}`].split(' ')[0]), 0);
      expect(rawRows).toBe(loadedRows);
    } finally {
      await close();
    }
  });
});
