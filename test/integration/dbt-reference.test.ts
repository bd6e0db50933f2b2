import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { withWorker } from '../../cli/session';
import type { LoadedConfig } from '../../workers/config';
import { pipelineInput } from '../../workers/workflow-inputs';
import { batchIngest, transform } from '../../workflows';
import { changeFeatureSeeds, compareWarehouses, copyFeatureProject, runDbtCore } from '../helpers/dbt-reference';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');
const PLATFORM_SCHEMAS = ['staging', 'intermediate', 'snapshots', 'marts', 'consumption'];
const FEATURE_SCHEMAS = ['main', 'main_marts', 'main_seeds', 'history'];
/** Clock columns: the check-strategy snapshot stamps versions with the run's time, the portal view with now(). */
const PLATFORM_VOLATILE = [
  'dbt_scd_id',
  'dbt_updated_at',
  'dbt_valid_from',
  'dbt_valid_to',
  'member_version_id',
  'valid_from',
  'valid_to',
  'hours_since_load',
];

/**
 * The engine against dbt-core itself (PyPI dbt-core + dbt-duckdb): the same project, the same raw data,
 * two runs each (the second exercises incremental models and snapshots); every table and view built must
 * be equal row for row.
 */
describe('dbt engine vs dbt-core (dev server, DuckDB, dbt-duckdb)', () => {
  let loaded: LoadedConfig;
  let features: string;
  const work = tmpDir('edp-dbt-ref-');
  const platformRef = join(work, 'platform_ref.duckdb');
  const featuresRef = join(work, 'features_ref.duckdb');

  async function ingest(interval: { start: string; end: string }): Promise<void> {
    await landSample(loaded, interval, { members: 200, claimsPerInterval: 1500 });
    const { client, close } = await testClient(loaded.config);
    try {
      await withWorker(
        loaded.config,
        async () => {
          const input = pipelineInput(loaded.config, interval);
          await client.workflow.execute(batchIngest, {
            workflowId: `dbt-ref-ingest-${interval.start}`,
            taskQueue: loaded.config.temporal.taskQueues.workflows,
            args: [{ interval, steps: input.steps, sensor: input.sensor, sqlTables: input.sqlTables }],
          });
        },
        () => {},
      );
    } finally {
      await close();
    }
  }

  /** Both projects through the transform workflow; returns each run's summary counts. */
  async function buildOurs(round: number) {
    const { client, close } = await testClient(loaded.config);
    try {
      return await withWorker(
        loaded.config,
        async () => {
          const run = (projectDir: string, name: string) =>
            client.workflow.execute(transform, {
              workflowId: `dbt-ref-${name}-${round}`,
              taskQueue: loaded.config.temporal.taskQueues.workflows,
              args: [{ steps: pipelineInput(loaded.config).steps, projectDir, command: 'build' as const }],
            });
          return { platform: await run(join(REPO, 'models'), 'platform'), features: await run(features, 'features') };
        },
        () => {},
      );
    } finally {
      await close();
    }
  }

  /** Copies raw from our warehouse into dbt's, so both read the same data. */
  async function syncRaw(): Promise<void> {
    const w = await DuckDbWarehouse.open({ path: loaded.config.warehouse.duckdb.path });
    try {
      await w.execute(`attach '${platformRef}' as platform_ref`);
      await w.execute('create schema if not exists platform_ref.raw');
      for (const t of await w.listTables('raw')) {
        await w.execute(`create or replace table platform_ref.raw."${t.table}" as select * from raw."${t.table}"`);
      }
      await w.execute('detach platform_ref');
    } finally {
      await w.close();
    }
  }

  beforeAll(async () => {
    loaded = testConfig('dbt-ref');
    features = join(work, 'features');
    copyFeatureProject(features);
    await ingest({ start: '2026-05-01T00:00:00.000Z', end: '2026-05-01T04:00:00.000Z' });
    copyFileSync(loaded.config.warehouse.duckdb.path, platformRef);
  }, 300_000);

  it('builds the platform project and a feature project exactly as dbt-core does, twice', async () => {
    for (const round of [1, 2]) {
      if (round === 2) {
        await ingest({ start: '2026-05-01T04:00:00.000Z', end: '2026-05-01T08:00:00.000Z' });
        await syncRaw();
        changeFeatureSeeds(features);
      }
      const ours = await buildOurs(round);
      expect(ours.platform.failed).toBe(0);
      expect(ours.features.failed).toBe(0);
      const dbtPlatform = runDbtCore(join(REPO, 'models'), platformRef, join(work, 'dbt-platform'), ['build']);
      const dbtFeatures = runDbtCore(features, featuresRef, join(work, 'dbt-features'), ['build']);
      // Same node counts and outcomes as dbt's summary line.
      const summary = (nodes: typeof ours.platform.models) =>
        `PASS=${nodes.filter((n) => n.status === 'success').length} WARN=${nodes.filter((n) => n.status === 'warn').length} ERROR=0 SKIP=0`;
      expect(dbtPlatform).toContain(summary(ours.platform.models));
      expect(dbtFeatures).toContain(summary(ours.features.models));

      const path = loaded.config.warehouse.duckdb.path;
      const platform = await compareWarehouses(path, platformRef, PLATFORM_SCHEMAS, PLATFORM_VOLATILE);
      expect(platform.differences).toEqual([]);
      expect(platform.compared.length).toBeGreaterThanOrEqual(20);
      const feat = await compareWarehouses(path, featuresRef, FEATURE_SCHEMAS);
      expect(feat.differences).toEqual([]);
      expect(feat.compared.sort()).toEqual([
        'history.members_history',
        'main.stg_claims',
        'main.stg_members',
        'main_marts.claim_log',
        'main_marts.fct_claims',
        'main_marts.member_summary',
        'main_seeds.claims',
        'main_seeds.members',
      ]);
    }
  }, 600_000);
});
