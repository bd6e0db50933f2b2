import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, writeManifest } from '../../../../activities/transform';
import { errorOf, parse, Runner, writeProject } from './helpers';

describe('manifest store', () => {
  it('writes target/manifest.json and target/manifests/<checksum>.json, and reads the latter back', () => {
    const dir = writeProject({ 'models/m.sql': 'select 1 as x' });
    const manifest = parse(dir);
    const file = writeManifest(manifest);
    expect(file).toBe(join(dir, 'target', 'manifests', `${manifest.checksum}.json`));
    expect(JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'))).toMatchObject({
      checksum: manifest.checksum,
    });
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
