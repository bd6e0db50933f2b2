import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dbtCommand, type DbtOptions } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { compareWarehouses, runDbtCore } from '../helpers/dbt-reference';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'dbt-corpus');

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

    const { config } = testConfig('it-jaffle');
    mkdirSync(work, { recursive: true });
    const ours = jaffleShop(join(work, 'edp-project'));
    const lines: string[] = [];
    await withWorker(
      config,
      async () => {
        const log = (m: string) => lines.push(m);
        const base: DbtOptions = { projectDir: ours, select: [], exclude: [], fullRefresh: false, noWait: false };
        const seeded = await dbtCommand(config, 'seed', { ...base, vars: '{load_source_data: true}' }, log);
        const built = await dbtCommand(config, 'build', base, log);
        expect({ seeded, built, failed: lines.filter((l) => /\d+ of \d+ (ERROR|FAIL)/.test(l)) }).toEqual({
          seeded: 0,
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
