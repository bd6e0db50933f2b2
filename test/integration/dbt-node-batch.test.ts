import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeRunsOf, payloadDecoder } from '../../cli/transform-node-runs';
import { dbtCommand } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

/** Views ok → ok_child, bad (bad SQL) → bad_child, with a not_null test on ok; table t reads ok. */
function project(dir: string): string {
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'dbt_project.yml'), `name: nb\nversion: '1'\nprofile: edp\nmodels:\n  +materialized: view\n`);
  const model = (name: string, sql: string) => writeFileSync(join(dir, 'models', `${name}.sql`), sql);
  model('ok', 'select range as id from range(3)');
  model('ok_child', "select id from {{ ref('ok') }}");
  model('bad', 'select no_such_column from range(3)');
  model('bad_child', "select * from {{ ref('bad') }}");
  model('t', "{{ config(materialized='table') }}\nselect id from {{ ref('ok') }}");
  writeFileSync(
    join(dir, 'models', 'schema.yml'),
    'version: 2\nmodels:\n  - name: ok\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
  );
  return dir;
}

interface RunResults {
  results: Array<{ unique_id: string; status: string; message: string | null; timing: unknown[] }>;
}

/** `edp dbt build` with `transform.batchNodes` on a real worker, warehouse and Temporal server. */
describe('dbt build with node batches (transform.batchNodes)', () => {
  it('runs the views in one activity named after them; the bad one fails only itself and its child, in run_results.json too', async () => {
    const dir = project(join(tmpDir('edp-dbt-node-batch-'), 'project'));
    const { config } = testConfig('it-dbt-node-batch', {
      transform: { batchNodes: 8, batchMaterializations: ['view', 'test'] },
    });
    const lines: string[] = [];
    const opts = { projectDir: dir, select: [], exclude: [], fullRefresh: false, noWait: false, threads: 1 };
    const code = await withWorker(
      config,
      () => dbtCommand(config, 'build', opts, (m) => lines.push(m)),
      () => {},
    );
    expect(code).not.toBe(0);

    const rr = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
    const status = Object.fromEntries(rr.results.map((r) => [r.unique_id, r.status]));
    const testId = Object.keys(status).find((id) => id.startsWith('test.nb.not_null_ok_id'))!;
    expect(status).toEqual({
      'model.nb.ok': 'success',
      [testId]: 'pass',
      'model.nb.ok_child': 'success',
      'model.nb.bad': 'error',
      'model.nb.bad_child': 'skipped',
      'model.nb.t': 'success',
    });
    const bad = rr.results.find((r) => r.unique_id === 'model.nb.bad')!;
    expect(bad.message).toMatch(/bad.*no_such_column/s);
    // Each node that ran keeps its own phases.
    for (const id of ['model.nb.ok', 'model.nb.ok_child', testId])
      expect(rr.results.find((r) => r.unique_id === id)!.timing).toHaveLength(2);

    // The history: one runNodes activity for the views (its summary names them), the table alone.
    const workflowId = lines.map((l) => /(edp-dbt-build-\S+)/.exec(l)?.[1]).find(Boolean)!;
    const { client, close } = await testClient(config);
    const history = await client.workflow
      .getHandle(workflowId)
      .fetchHistory()
      .finally(() => close());
    const runs = await nodeRunsOf(history.events ?? [], payloadDecoder(client));
    const batches = new Map<number, string[]>();
    for (const r of runs) batches.set(r.eventId, [...(batches.get(r.eventId) ?? []), r.nodeId!]);
    const batched = [...batches.values()].find((ids) => ids.length > 1);
    expect(batched).toEqual(expect.arrayContaining(['model.nb.ok', 'model.nb.bad', 'model.nb.ok_child']));
    const summary = runs.find((r) => r.nodeId === 'model.nb.bad')!.summary!;
    for (const name of ['ok', 'bad', 'ok_child']) expect(summary).toMatch(new RegExp(`model ${name}\\b`));
    expect(batches.get(runs.find((r) => r.nodeId === 'model.nb.t')!.eventId)).toEqual(['model.nb.t']);
  }, 300_000);
});
