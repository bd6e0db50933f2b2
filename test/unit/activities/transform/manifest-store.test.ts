import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTransformActivities,
  loadManifest,
  readManifest,
  shareManifest,
  writeManifest,
} from '../../../../activities/transform';
import { tmpDir } from '../../../helpers/tmp';
import { errorOf, parse, Runner, writeProject } from './helpers';

describe('manifest store', () => {
  it('writes target/manifest.json and target/manifests/<checksum>.json, and reads the latter back', () => {
    const dir = writeProject({ 'models/m.sql': 'select 1 as x' });
    const manifest = parse(dir);
    const file = writeManifest(manifest);
    expect(file).toBe(join(dir, 'target', 'manifests', `${manifest.checksum}.json`));
    // target/manifest.json is dbt's (schema v12); it names the planned manifest it was written from.
    expect(JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'))).toMatchObject({
      metadata: {
        dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json',
        env: { EDP_MANIFEST_CHECKSUM: manifest.checksum },
      },
      nodes: { 'model.p.m': { unique_id: 'model.p.m', resource_type: 'model', name: 'm' } },
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ checksum: manifest.checksum });
    expect(readManifest(file, manifest.checksum).nodes['model.p.m'].name).toBe('m');
  });

  it('fails clearly when the planned manifest is gone or its checksum differs', () => {
    const dir = writeProject({ 'models/m.sql': 'select 1 as x' });
    const manifest = parse(dir);
    const file = writeManifest(manifest);
    expect(errorOf(() => readManifest(file, 'other'))).toBe(`${file}: manifest checksum does not match the plan`);
    rmSync(join(dir, 'target'), { recursive: true });
    expect(existsSync(file)).toBe(false);
    expect(errorOf(() => readManifest(file, manifest.checksum))).toMatch(/the planned manifest is gone/);
  });

  it('rejects a runNode whose checksum does not match the plan, also once the manifest was read', async () => {
    const runner = await Runner.open(writeProject({ 'models/m.sql': 'select 1 as x' }));
    try {
      const plan = await runner.plan();
      const input = { manifestFile: plan.manifestFile, nodeId: 'model.p.m', invocationId: 'i', runStartedAt: 'now' };
      await runner.activities.runNode({ ...input, checksum: plan.checksum });
      await expect(runner.activities.runNode({ ...input, checksum: 'not-the-plan' })).rejects.toMatchObject({
        message: expect.stringContaining('manifest checksum does not match the plan'),
        nonRetryable: true,
      });
    } finally {
      await runner.close();
    }
  });
});

describe('manifest shared through the warehouse (many workers, no shared disk)', () => {
  const project = { 'models/m.sql': 'select 1 as x', 'models/n.sql': "select x from {{ ref('m') }}" };
  const storedParts = async (runner: Runner, checksum: string) =>
    runner.warehouse.query(
      `SELECT part::INTEGER AS part FROM audit.transform_manifests WHERE checksum = '${checksum}'`,
    );

  it('runs a node on a worker that never saw the planner’s files, caching the manifest there', async () => {
    const runner = await Runner.open(writeProject(project));
    try {
      const plan = await runner.plan();
      // The planning worker's disk is gone (another host); the node lands on a worker with its own cache.
      rmSync(join(runner.dir, 'target'), { recursive: true });
      const cacheDir = join(tmpDir('edp-cache-'), 'manifests');
      const other = createTransformActivities({
        warehouse: runner.warehouse,
        projectDir: runner.dir,
        manifestCacheDir: cacheDir,
      });
      const input = {
        manifestFile: plan.manifestFile,
        checksum: plan.checksum,
        invocationId: 'i',
        runStartedAt: 'now',
      };
      await expect(other.runNode({ ...input, nodeId: 'model.p.m' })).resolves.toMatchObject({ status: 'success' });
      expect(existsSync(join(cacheDir, `${plan.checksum}.json`))).toBe(true);
      await expect(other.runNode({ ...input, nodeId: 'model.p.n' })).resolves.toMatchObject({ status: 'success' });
      expect(await runner.warehouse.query('SELECT x FROM main.n')).toEqual([{ x: 1 }]);
    } finally {
      await runner.close();
    }
  });

  it('stores a manifest once however many workers plan it, and refuses a checksum nobody stored', async () => {
    const runner = await Runner.open(writeProject(project));
    try {
      const plans = await Promise.all([runner.plan(), runner.plan(), runner.plan()]);
      expect(new Set(plans.map((p) => p.checksum)).size).toBe(1);
      expect(await storedParts(runner, plans[0].checksum)).toEqual([{ part: 0 }]);
      await shareManifest(runner.warehouse, parse(runner.dir), tmpDir('edp-cache-'));
      expect(await storedParts(runner, plans[0].checksum)).toEqual([{ part: 0 }]);
      rmSync(join(runner.dir, 'target'), { recursive: true });
      const ref = { manifestFile: plans[0].manifestFile, checksum: 'not-stored' };
      await expect(loadManifest(runner.warehouse, ref, tmpDir('edp-cache-'))).rejects.toThrow(
        /the planned manifest is gone .* audit\.transform_manifests has no manifest not-stored/,
      );
    } finally {
      await runner.close();
    }
  });
});
