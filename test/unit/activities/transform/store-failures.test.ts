import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeNamed, parse, Runner, writeFiles, writeProject } from './helpers';

// orders: id 2 twice (unique fails), one null id (not_null fails), status 'lost' (accepted_values fails).
const ORDERS = `{{ config(materialized='table') }}
select * from (values (1, 'open'), (2, 'open'), (2, 'lost'), (null, 'open')) t(id, status)`;

const PROJECT = {
  'dbt_project.yml': 'name: p\ndata_tests:\n  p:\n    +store_failures: true\n',
  'models/orders.sql': ORDERS,
  'models/_props.yml': `models:
  - name: orders
    columns:
      - name: id
        data_tests:
          - unique
          - not_null:
              config: {store_failures_as: view}
          - nulls_kept
      - name: status
        data_tests:
          - accepted_values:
              values: ['open', 'lost']
              config: {store_failures: false}
          - accepted_values:
              name: status_is_open
              values: ['open']
              config: {store_failures_as: ephemeral}
          - not_null
`,
  // A project test asking dbt's should_store_failures(), as dbt's own not_null does.
  'tests/generic/nulls_kept.sql': `{% test nulls_kept(model, column_name) %}
select {{ '*' if should_store_failures() else column_name }} from {{ model }} where {{ column_name }} is null
{% endtest %}`,
};

/** The relations in the audit schema and their kinds (`BASE TABLE`, `VIEW`). */
const auditRelations = (runner: Runner) =>
  runner.query<{ t: string; k: string }>(
    "select table_name as t, table_type as k from information_schema.tables where table_schema = 'main_dbt_test__audit' order by 1",
  );

describe('store_failures on DuckDB, as dbt stores them', () => {
  it('keeps each storing test failing rows in <target>_dbt_test__audit.<test name>, table or view, replaced every run', async () => {
    const dir = writeProject(PROJECT);
    const runner = await Runner.open(dir);
    try {
      const first = await runner.build({ command: 'build' });
      expect(first.unique_orders_id).toMatchObject({
        status: 'fail',
        rows: 1,
        table: 'main_dbt_test__audit.unique_orders_id',
      });
      expect(first.not_null_orders_id.rows).toBe(1);
      expect(first.status_is_open).toMatchObject({ status: 'fail', rows: 1 });
      expect(first.status_is_open.table).toBeUndefined();
      const audit = await auditRelations(runner);
      // store_failures: false and store_failures_as: ephemeral store nothing; a passing test stores its (no) rows.
      expect(audit).toEqual([
        { t: 'not_null_orders_id', k: 'VIEW' },
        { t: 'not_null_orders_status', k: 'BASE TABLE' },
        { t: 'nulls_kept_orders_id', k: 'BASE TABLE' },
        { t: 'unique_orders_id', k: 'BASE TABLE' },
      ]);
      expect(
        await runner.query('select unique_field, n_records::int as n from main_dbt_test__audit.unique_orders_id'),
      ).toEqual([{ unique_field: 2, n: 2 }]);
      // dbt's not_null stores the whole failing row.
      expect(await runner.query('select * from main_dbt_test__audit.not_null_orders_id')).toEqual([
        { id: null, status: 'open' },
      ]);
      expect(await runner.query('select * from main_dbt_test__audit.nulls_kept_orders_id')).toEqual([
        { id: null, status: 'open' },
      ]);
      expect(await runner.query('select count(*)::int as n from main_dbt_test__audit.not_null_orders_status')).toEqual([
        { n: 0 },
      ]);

      writeFiles(dir, { 'models/orders.sql': ORDERS.replace("(2, 'lost')", "(3, 'lost')").replace('(null', '(4') });
      const second = await runner.build({ command: 'build' });
      expect(second.unique_orders_id).toMatchObject({ status: 'success', rows: 0 });
      expect(await runner.query('select count(*)::int as n from main_dbt_test__audit.unique_orders_id')).toEqual([
        { n: 0 },
      ]);
      expect(await runner.query('select count(*)::int as n from main_dbt_test__audit.not_null_orders_id')).toEqual([
        { n: 0 },
      ]);
    } finally {
      await runner.close();
    }
  });

  it("settles store_failures / store_failures_as as dbt's TestConfig does, and manifest.json names the audit relation", async () => {
    const dir = writeProject(PROJECT);
    const m = parse(dir);
    const configOf = (name: string) => {
      const { store_failures, store_failures_as } = nodeNamed(m, name).config;
      return { store_failures, store_failures_as };
    };
    expect(configOf('unique_orders_id')).toEqual({ store_failures: true, store_failures_as: 'table' });
    expect(configOf('not_null_orders_id')).toEqual({ store_failures: true, store_failures_as: 'view' });
    expect(configOf('accepted_values_orders_status__open__lost')).toEqual({
      store_failures: false,
      store_failures_as: 'ephemeral',
    });
    expect(configOf('status_is_open')).toEqual({ store_failures: false, store_failures_as: 'ephemeral' });
    const runner = await Runner.open(dir);
    try {
      await runner.plan({ command: 'build' });
    } finally {
      await runner.close();
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8')) as {
      nodes: Record<string, { name: string; schema: string; alias: string; relation_name: string | null }>;
    };
    const byName = Object.fromEntries(Object.values(manifest.nodes).map((n) => [n.name, n]));
    expect(byName.unique_orders_id).toMatchObject({
      schema: 'main_dbt_test__audit',
      alias: 'unique_orders_id',
      relation_name: '"warehouse"."main_dbt_test__audit"."unique_orders_id"',
    });
    expect(byName.status_is_open).toMatchObject({ schema: 'main_dbt_test__audit', relation_name: null });
  });

  it('--store-failures stores the tests that configure neither store_failures nor store_failures_as; should_store_failures() and flags.STORE_FAILURES say so', async () => {
    const dir = writeProject({
      ...PROJECT,
      'dbt_project.yml': 'name: p\n',
      'tests/flag_seen.sql': "select 1 as seen where {{ 'true' if flags.STORE_FAILURES else 'false' }}",
    });
    const runner = await Runner.open(dir);
    try {
      const r = await runner.build({ command: 'build' }, { storeFailures: true });
      expect(r.flag_seen).toMatchObject({ status: 'fail', rows: 1, table: 'main_dbt_test__audit.flag_seen' });
      expect(r.accepted_values_orders_status__open__lost.table).toBeUndefined();
      expect(r.status_is_open.table).toBeUndefined();
      const audit = await auditRelations(runner);
      expect(audit).toEqual([
        { t: 'flag_seen', k: 'BASE TABLE' },
        { t: 'not_null_orders_id', k: 'VIEW' },
        { t: 'not_null_orders_status', k: 'BASE TABLE' },
        { t: 'nulls_kept_orders_id', k: 'BASE TABLE' },
        { t: 'unique_orders_id', k: 'BASE TABLE' },
      ]);
      // Whole rows, as should_store_failures() answers true under the flag.
      expect(await runner.query('select * from main_dbt_test__audit.nulls_kept_orders_id')).toEqual([
        { id: null, status: 'open' },
      ]);
    } finally {
      await runner.close();
    }
  });

  it('a store_failures_as dbt does not know is the test error dbt gives, at run time', async () => {
    const dir = writeProject({
      'models/one.sql': 'select 1 as id',
      'models/_props.yml':
        'models:\n  - name: one\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              config: {store_failures_as: parquet}\n',
    });
    const runner = await Runner.open(dir);
    try {
      const r = await runner.build({ command: 'build' });
      expect(r.unique_one_id.status).toBe('error');
      expect(r.unique_one_id.message).toContain(
        "'parquet' is not a valid value for `store_failures_as`. Accepted values are: ['ephemeral', 'table', 'view']",
      );
    } finally {
      await runner.close();
    }
  });
});
