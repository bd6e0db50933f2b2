import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransformActivities, loadModelProject, compileModel } from '../../../../activities/transform';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

function project(files: Record<string, string>): string {
  const dir = tmpDir();
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), sql);
  }
  return dir;
}

describe('model project', () => {
  it('builds the graph from ref() and compiles refs and sources to tables', () => {
    const dir = project({
      'staging/stg_a.sql': "select * from {{ source('raw', 'a') }}",
      'marts/m.sql': "select count(*) as n from {{ ref('stg_a') }};\n",
    });
    const p = loadModelProject(dir);
    expect(p.graph).toEqual({ nodes: ['stg_a', 'm'], edges: [['stg_a', 'm']] });
    expect(compileModel(p, p.models.get('m')!)).toBe('select count(*) as n from "staging"."stg_a"');
    expect(compileModel(p, p.models.get('stg_a')!)).toBe('select * from "raw"."a"');
  });

  it('names file and line of an unknown ref', () => {
    const dir = project({ 'marts/m.sql': "select 1\nfrom {{ ref('missing') }}" });
    expect(() => loadModelProject(dir)).toThrow("marts/m.sql:2: ref('missing') names no model");
  });

  it('rejects a cycle', () => {
    const dir = project({
      'staging/a.sql': "select * from {{ ref('b') }}",
      'staging/b.sql': "select * from {{ ref('a') }}",
    });
    expect(() => loadModelProject(dir)).toThrow('dependency cycle among: a, b');
  });

  it('runs a model as a table and classifies bad SQL as non-retryable', async () => {
    const dir = project({ 'staging/ok.sql': 'select 42 as x', 'staging/broken.sql': 'selec 1' });
    const w = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    try {
      const acts = createTransformActivities({ warehouse: w, modelsDir: dir });
      expect(await acts.runModel({ model: 'ok' })).toEqual({ model: 'ok', table: 'staging.ok', rows: 1 });
      expect(await acts.runModel({ model: 'ok' })).toEqual({ model: 'ok', table: 'staging.ok', rows: 1 });
      await expect(acts.runModel({ model: 'broken' })).rejects.toMatchObject({ nonRetryable: true, type: 'EdpBadSql' });
    } finally {
      await w.close();
    }
  });
});
