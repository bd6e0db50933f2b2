import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtCommand } from '../../cli/dbt-command';
import { withWorker } from '../../cli/session';
import { compareWarehouses, runDbtCore } from '../helpers/dbt-reference';
import { testConfig } from '../helpers/platform';
import { dbtOptions as options } from '../helpers/dbt-options';
import { writeFiles } from '../helpers/project-files';
import { tmpDir } from '../helpers/tmp';

/**
 * Four tests on one table, none with `store_failures: true`: `unique` configures nothing (the flag stores it),
 * one `not_null` says `store_failures: false`, the other `store_failures_as: view`, and `accepted_values`
 * `store_failures_as: ephemeral`. All warn, so dbt-core exits 0 as ours does.
 */
const FILES: Record<string, string> = {
  'dbt_project.yml': ['name: sflag', 'profile: edp', 'data_tests:', '  sflag:', '    +severity: warn', ''].join('\n'),
  'models/accounts.sql': [
    "{{ config(materialized='table') }}",
    "select 1 as account_id, 'Ann' as account_name",
    "union all select 2, 'Bo'",
    'union all select 2, null',
    "union all select null, 'Di'",
  ].join('\n'),
  'models/_props.yml': `models:
  - name: accounts
    columns:
      - name: account_id
        data_tests:
          - unique
          - not_null:
              config: {store_failures: false}
      - name: account_name
        data_tests:
          - not_null:
              config: {store_failures_as: view}
          - accepted_values:
              values: ['Ann']
              config: {store_failures_as: ephemeral}
`,
};

type RunResults = {
  args: Record<string, unknown>;
  results: Array<{ unique_id: string; relation_name: string | null }>;
};
/** Each result's relation_name without the database, which differs by file name. */
const relations = (file: string) =>
  Object.fromEntries(
    (JSON.parse(readFileSync(file, 'utf8')) as RunResults).results
      .map((r) => [r.unique_id, r.relation_name?.replace(/^"[^"]*"\./, '') ?? null] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

describe('edp dbt test --store-failures vs dbt-core + dbt-duckdb (dev server, DuckDB)', () => {
  it('stores the failing rows of a test that configures nothing, as dbt-core does, and leaves store_failures: false and store_failures_as alone', async () => {
    const work = tmpDir('edp-dbt-sfflag-');
    const theirsDir = join(work, 'theirs');
    writeFiles(theirsDir, FILES);
    const oursDir = join(work, 'ours');
    cpSync(theirsDir, oursDir, { recursive: true });
    const ref = join(work, 'ref.duckdb');
    runDbtCore(theirsDir, ref, join(work, 'dbt'), ['run']);
    expect(runDbtCore(theirsDir, ref, join(work, 'dbt'), ['test', '--store-failures'])).toMatch(
      /PASS=0 WARN=4 ERROR=0 SKIP=0 .*TOTAL=4/,
    );

    const { config } = testConfig('it-dbt-sfflag');
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    await withWorker(
      config,
      async () => {
        expect(await dbtCommand(config, 'run', options(oursDir), log)).toBe(0);
        expect(await dbtCommand(config, 'test', options(oursDir, { storeFailures: true }), log)).toBe(0);
      },
      () => {},
    );
    expect(lines.at(-1)).toMatch(/Done\. PASS=0 WARN=4 ERROR=0 SKIP=0 TOTAL=4$/);

    // The flag's table and the configured view, row for row and with dbt's names; nothing for the other two.
    const { compared, differences } = await compareWarehouses(config.warehouse.duckdb.path, ref, [
      'main',
      'main_dbt_test__audit',
    ]);
    expect(differences).toEqual([]);
    expect(compared.sort()).toEqual([
      'main.accounts',
      'main_dbt_test__audit.not_null_accounts_account_name',
      'main_dbt_test__audit.unique_accounts_account_id',
    ]);

    // run_results.json: every test names its audit relation, as dbt-core's does under the flag.
    const ours = join(oursDir, 'target', 'run_results.json');
    const theirs = join(work, 'dbt', 'target', 'run_results.json');
    expect(relations(ours)).toEqual(relations(theirs));
    expect(Object.values(relations(ours)).filter((r) => r?.startsWith('"main_dbt_test__audit".'))).toHaveLength(4);
    expect((JSON.parse(readFileSync(ours, 'utf8')) as RunResults).args.store_failures).toBe(true);
    // manifest.json of the run likewise.
    type Manifest = { nodes: Record<string, { relation_name: string | null }> };
    const manifestRelations = (dir: string) =>
      Object.fromEntries(
        Object.entries((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest).nodes)
          .map(([id, n]) => [id, n.relation_name?.replace(/^"[^"]*"\./, '') ?? null] as const)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    expect(manifestRelations(join(oursDir, 'target'))).toEqual(manifestRelations(join(work, 'dbt', 'target')));

    // As dbt's, only test and build take the flag (refused before anything starts).
    await expect(dbtCommand(config, 'run', options(oursDir, { storeFailures: true }), log)).rejects.toThrow(
      '--store-failures applies to edp dbt test and edp dbt build, not run',
    );
  }, 600_000);
});
