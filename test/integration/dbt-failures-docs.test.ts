import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dbtRunResults, writeCatalog, type Manifest, type NodeRunResult } from '../../activities/transform';
import { nodeRelationName } from '../../activities/transform/artifacts-manifest';
import { DuckDbWarehouse, type Row } from '../../activities/warehouse';
import { dbtDocsGenerate } from '../../cli/dbt-docs';
import { buildInOrder } from '../helpers/dbt-build';
import { compareWarehouses, runDbtCore } from '../helpers/dbt-reference';
import { describeEngines } from '../helpers/engines';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

/**
 * A project storing test failures (table, view, ephemeral, a passing test) and persisting docs of a table,
 * a view and a seed. The failing tests warn, so dbt's build runs every node as ours does.
 */
const FILES: Record<string, string> = {
  'dbt_project.yml': [
    'name: faildocs',
    'profile: edp',
    'models:',
    '  faildocs:',
    '    +persist_docs: {relation: true, columns: true}',
    'seeds:',
    '  faildocs:',
    '    +persist_docs: {relation: true, columns: true}',
    'data_tests:',
    '  faildocs:',
    '    +store_failures: true',
    '    +severity: warn',
    '',
  ].join('\n'),
  'seeds/plans.csv': 'plan_id,plan_name\n1,Gold\n2,Silver\n',
  'models/accounts.sql': [
    "{{ config(materialized='table') }}",
    "select 1 as account_id, 'Ann' as account_name, 1 as plan_id",
    "union all select 2, 'Bo', 1",
    "union all select 2, 'Cy', 3",
    "union all select null, 'Di', 2",
  ].join('\n'),
  'models/account_plans.sql':
    "select a.account_id, a.account_name, p.plan_name from {{ ref('accounts') }} a left join {{ ref('plans') }} p on a.plan_id = p.plan_id",
  'models/_props.yml': `models:
  - name: accounts
    description: "One row per account: it's the spine"
    columns:
      - name: account_id
        description: The account's key
        data_tests:
          - unique
          - not_null:
              config: {store_failures_as: view}
      - name: account_name
        description: Display name
  - name: account_plans
    description: Accounts with their plan
    columns:
      - name: plan_name
        description: Plan label
        data_tests:
          - not_null:
              config: {store_failures_as: ephemeral}
          - accepted_values:
              values: ['Gold', 'Silver']
seeds:
  - name: plans
    description: Plan list
    columns:
      - name: plan_id
        description: Plan key
        data_tests: [unique]
`,
};

function writeProject(dir: string): string {
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const json = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
/** `"db"."schema"."table"` without the database, which differs by file name. */
const noDatabase = (name: string | null) => name?.replace(/^"[^"]*"\./, '') ?? null;

/** Relation and column comments of a DuckDB file's `schema`. */
async function duckdbComments(file: string, schema: string): Promise<Row[]> {
  const w = await DuckDbWarehouse.open({ path: file });
  try {
    return await w.query(
      `select table_name as t, null as c, comment from duckdb_tables() where schema_name = ?
       union all select view_name, null, comment from duckdb_views() where schema_name = ? and not internal
       union all select table_name, column_name, comment from duckdb_columns() where schema_name = ?
       order by 1, 2 nulls first`,
      [schema, schema, schema],
    );
  } finally {
    await w.close();
  }
}

interface DbtNode {
  schema: string;
  alias: string;
  resource_type: string;
  relation_name: string | null;
  config: { store_failures: boolean | null; store_failures_as: string | null };
}
interface Catalog {
  nodes: Record<
    string,
    {
      metadata: { type: string; comment: string | null };
      columns: Record<string, { type: string; index: number; comment: string | null }>;
    }
  >;
}

describe('store_failures and persist_docs vs dbt-core + dbt-duckdb', () => {
  it("stores the same failing rows in the same audit relations, writes the same comments, and says so in manifest, run_results and catalog as dbt's do", async () => {
    const work = tmpDir('edp-dbt-faildocs-');
    const theirsDir = writeProject(join(work, 'theirs'));
    const oursDir = join(work, 'ours');
    cpSync(theirsDir, oursDir, { recursive: true });
    const ref = join(work, 'ref.duckdb');
    const ours = join(work, 'ours.duckdb');
    expect(runDbtCore(theirsDir, ref, join(work, 'dbt'), ['build', '--profile', 'edp'])).toMatch(
      /PASS=5 WARN=3 ERROR=0 SKIP=0 .*TOTAL=8/,
    );
    runDbtCore(theirsDir, ref, join(work, 'dbt'), ['docs', 'generate', '--profile', 'edp']);

    const w = await DuckDbWarehouse.open({ path: ours });
    let results: Record<string, NodeRunResult>;
    let manifest: Manifest;
    try {
      const built = await buildInOrder(w, oursDir, { schema: 'main', type: 'duckdb' }, 'faildocs-1');
      ({ results, manifest } = built);
      await writeCatalog(built.manifest, w);
    } finally {
      await w.close();
    }
    const outcomes = Object.values(results).map((r) => ({ id: r.id, type: r.type, status: r.status, rows: r.rows }));
    const run = { command: 'build', startedAt: new Date(), args: {} };
    const details = (id: string) => ({
      compiledCode: null,
      relationName: nodeRelationName(manifest, manifest.nodes[id]),
    });
    writeFileSync(
      join(oursDir, 'target', 'run_results.json'),
      JSON.stringify(dbtRunResults(outcomes, run, new Date(), details)),
    );

    // The audit relations and the models, row for row; ephemeral stores nothing (absent from both).
    const { compared, differences } = await compareWarehouses(ours, ref, ['main', 'main_dbt_test__audit']);
    expect(differences).toEqual([]);
    expect(compared.filter((t) => t.startsWith('main_dbt_test__audit.')).sort()).toEqual([
      'main_dbt_test__audit.accepted_values_account_plans_plan_name__Gold__Silver',
      'main_dbt_test__audit.not_null_accounts_account_id',
      'main_dbt_test__audit.unique_accounts_account_id',
      'main_dbt_test__audit.unique_plans_plan_id',
    ]);
    expect(await duckdbComments(ours, 'main')).toEqual(await duckdbComments(ref, 'main'));
    expect((await duckdbComments(ours, 'main')).filter((r) => r.comment !== null)).toHaveLength(7);

    // manifest.json: every test's audit relation, store_failures settled, relation_name when it stores.
    const theirManifest = json<{ nodes: Record<string, DbtNode> }>(join(work, 'dbt', 'target', 'manifest.json'));
    const ourManifest = json<{ nodes: Record<string, DbtNode> }>(join(oursDir, 'target', 'manifest.json'));
    const shape = (n: DbtNode) => ({
      schema: n.schema,
      alias: n.alias,
      relation_name: noDatabase(n.relation_name),
      store_failures: n.config.store_failures,
      store_failures_as: n.config.store_failures_as,
    });
    const testIds = Object.keys(theirManifest.nodes).filter((id) => id.startsWith('test.'));
    expect(testIds).toHaveLength(5);
    for (const id of testIds) expect([id, shape(ourManifest.nodes[id])]).toEqual([id, shape(theirManifest.nodes[id])]);

    // run_results.json: each node's relation_name as dbt's.
    type RunResults = { results: Array<{ unique_id: string; relation_name: string | null }> };
    const relations = (file: string) =>
      Object.fromEntries(
        json<RunResults>(file)
          .results.map((r) => [r.unique_id, noDatabase(r.relation_name)] as const)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    expect(relations(join(oursDir, 'target', 'run_results.json'))).toEqual(
      relations(join(work, 'dbt', 'target', 'run_results.json')),
    );

    // catalog.json: relation type, comments and column types as dbt docs generate reads them.
    const catalogOf = (file: string) => {
      const c = json<Catalog>(file);
      return Object.fromEntries(
        Object.entries(c.nodes)
          .map(([id, n]) => [id, { type: n.metadata.type, comment: n.metadata.comment, columns: n.columns }] as const)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    };
    const theirCatalog = catalogOf(join(work, 'dbt', 'target', 'catalog.json'));
    expect(catalogOf(join(oursDir, 'target', 'catalog.json'))).toEqual(theirCatalog);
    expect(theirCatalog['model.faildocs.accounts'].comment).toBe("One row per account: it's the spine");
  }, 600_000);
});

describeEngines(
  'store_failures, persist_docs and edp dbt docs generate on %s',
  (engine) => {
    it('stores failing rows in the audit schema, writes comments the Snowflake way, and docs generate reads them from its information schema', async () => {
      const label = 'dbt_faildocs';
      const dir = writeProject(tmpDir('edp-dbt-faildocs-sf-'));
      const { config } = testConfig('it-dbt-faildocs-sf', await engine.configOverrides(label));
      const docsConfig = { ...config, transform: { ...config.transform, targetSchema: 'analytics' } };
      const w = await engine.open(label);
      let results: Record<string, NodeRunResult>;
      let audit: Row[];
      try {
        ({ results } = await buildInOrder(w, dir, { schema: 'analytics', type: 'snowflake' }, 'faildocs-sf-1'));
        audit = await w.query(
          "select table_name as t, table_type as k from information_schema.tables where table_schema = 'ANALYTICS_DBT_TEST__AUDIT' order by 1",
        );
        audit.push(
          ...(await w.query('select count(*) as n from analytics_dbt_test__audit.unique_accounts_account_id')),
        );
      } finally {
        await w.close();
      }
      expect(results.unique_accounts_account_id).toMatchObject({
        status: 'warn',
        rows: 1,
        table: 'analytics_dbt_test__audit.unique_accounts_account_id',
      });
      expect(audit.map((r) => Object.values(r).map(String).join(' '))).toEqual([
        'ACCEPTED_VALUES_ACCOUNT_PLANS_PLAN_NAME__GOLD__SILVER BASE TABLE',
        'NOT_NULL_ACCOUNTS_ACCOUNT_ID VIEW',
        'UNIQUE_ACCOUNTS_ACCOUNT_ID BASE TABLE',
        'UNIQUE_PLANS_PLAN_ID BASE TABLE',
        '1',
      ]);

      const lines: string[] = [];
      expect(await dbtDocsGenerate(docsConfig, { projectDir: dir }, (m) => lines.push(m))).toBe(0);
      // The seed, both models and the four tests' stored failures.
      expect(lines.join('\n')).toMatch(/\(7 relations\)/);
      const catalog = json<Catalog>(join(dir, 'target', 'catalog.json'));
      const accounts = catalog.nodes['model.faildocs.accounts'];
      expect(accounts.metadata).toMatchObject({ type: 'BASE TABLE', comment: "One row per account: it's the spine" });
      expect(accounts.columns.ACCOUNT_ID).toMatchObject({ index: 1, comment: "The account's key" });
      expect(accounts.columns.ACCOUNT_NAME).toMatchObject({ type: 'TEXT', comment: 'Display name' });
      expect(accounts.columns.PLAN_ID.comment).toBeNull();
      const view = catalog.nodes['model.faildocs.account_plans'];
      expect(view.metadata).toMatchObject({ type: 'VIEW', comment: 'Accounts with their plan' });
      expect(view.columns.PLAN_NAME).toMatchObject({ type: 'TEXT', comment: 'Plan label' });
      const seed = catalog.nodes['seed.faildocs.plans'];
      expect(seed.metadata.comment).toBe('Plan list');
      expect(seed.columns.PLAN_ID).toMatchObject({ type: 'NUMBER', comment: 'Plan key' });
      const failures = Object.entries(catalog.nodes).find(([id]) => id.startsWith('test.faildocs.unique_accounts_'));
      expect(failures?.[1].metadata.type).toBe('BASE TABLE');
      expect(Object.keys(failures?.[1].columns ?? {})).toEqual(['UNIQUE_FIELD', 'N_RECORDS']);
    }, 600_000);
  },
  (engine) => engine.engine === 'snowflake',
);
