import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dbtCommand, type DbtOptions } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { compareWarehouses, runDbtCore } from '../helpers/dbt-reference';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';
import { dbtCorpus } from '../helpers/dbt-corpus';

const CORPUS = dbtCorpus();

/** jaffle-shop as `dbt deps` would leave it: the corpus' package copies in its dbt_packages/. */
function jaffleShop(dir: string): string {
  cpSync(join(CORPUS, 'projects', 'jaffle-shop'), dir, { recursive: true });
  for (const p of ['dbt_utils', 'dbt_date', 'audit_helper']) {
    cpSync(join(CORPUS, 'packages', p), join(dir, 'dbt_packages', p), { recursive: true });
  }
  rmSync(join(dir, 'dbt_packages', 'dbt_utils', 'integration_tests'), { recursive: true, force: true });
  return dir;
}

/**
 * dbt-labs' jaffle-shop, unmodified, with dbt_utils, dbt_date and audit_helper in dbt_packages/: the engine
 * builds it (package macros, adapter.dispatch, return(), dbt.date_trunc, a statement at compile time,
 * dbt_utils generic tests) and every table equals dbt-core + dbt-duckdb's.
 */
describe('jaffle-shop with packages vs dbt-core (dev server, DuckDB)', () => {
  it('builds unmodified, every table equal to dbt’s', async () => {
    const work = tmpDir('edp-jaffle-');
    const ref = join(work, 'ref.duckdb');
    const theirs = jaffleShop(join(work, 'dbt-project'));
    const seedVars = ['--vars', '{load_source_data: true}', '--profile', 'edp'];
    runDbtCore(theirs, ref, join(work, 'dbt'), ['seed', ...seedVars]);
    expect(runDbtCore(theirs, ref, join(work, 'dbt'), ['build', '--profile', 'edp'])).toMatch(/ERROR=0/);

    // The raw data as dbt seeded it: seed loading is compared elsewhere, this test is about packages.
    const { config } = testConfig('it-jaffle');
    const w = await DuckDbWarehouse.open({ path: config.warehouse.duckdb.path });
    try {
      await w.execute(`attach '${ref}' as ref (read_only)`);
      await w.execute('create schema if not exists raw');
      for (const { t } of await w.query<{ t: string }>(
        "select table_name as t from information_schema.tables where table_catalog = 'ref' and table_schema = 'raw'",
      ))
        await w.execute(`create or replace table raw."${t}" as select * from ref.raw."${t}"`);
      await w.execute('detach ref');
    } finally {
      await w.close();
    }
    const ours = jaffleShop(join(work, 'edp-project'));
    const lines: string[] = [];
    await withWorker(
      config,
      async () => {
        const base: DbtOptions = { projectDir: ours, select: [], exclude: [], fullRefresh: false, noWait: false };
        const built = await dbtCommand(config, 'build', base, (m) => lines.push(m));
        expect({ built, failed: lines.filter((l) => /\d+ of \d+ (ERROR|FAIL)/.test(l)) }).toEqual({
          built: 0,
          failed: [],
        });
      },
      () => {},
    );
    expect(lines.at(-1)).toMatch(/ERROR=0 SKIP=0/);
    const { compared, differences } = await compareWarehouses(config.warehouse.duckdb.path, ref, ['main', 'raw']);
    expect(differences).toEqual([]);
    expect(compared).toEqual(
      expect.arrayContaining(['main.customers', 'main.orders', 'main.order_items', 'main.metricflow_time_spine']),
    );
  }, 900_000);
});
