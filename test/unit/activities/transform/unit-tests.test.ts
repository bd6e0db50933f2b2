import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtManifest } from '../../../../activities/transform';
import { tmpDir } from '../../../helpers/tmp';
import { parse, Runner, writeFiles, writeProject } from './helpers';

/** A small shop: a seed, a staging view over it, a table model and a source reader. */
const SHOP = {
  'seeds/raw_orders.csv':
    'id,customer,amount,ordered_at\n1,ann,5.50,2024-01-01 10:00:00\n2,bob,20,2024-01-02 11:00:00\n',
  'models/sources.yml': 'sources:\n  - name: ecom\n    schema: main\n    tables:\n      - name: raw_orders\n',
  'models/stg_orders.sql':
    'select id as order_id, customer, cast(amount as decimal(10, 2)) as amount, cast(ordered_at as date) as order_date\nfrom {{ ref("raw_orders") }}',
  'models/customers.sql':
    "{{ config(materialized='table') }}\nselect customer, count(*) as n_orders, sum(amount) as total, min(order_date) as first_order\nfrom {{ ref('stg_orders') }} where amount > {{ var('min_amount', 0) }} group by customer",
  'models/src_orders.sql': "select id, upper(customer) as customer from {{ source('ecom', 'raw_orders') }}",
};

/** `unit_tests:` YAML for customers and src_orders. */
const UNIT_TESTS = `unit_tests:
  - name: sums_per_customer
    model: customers
    given:
      - input: ref('stg_orders')
        rows:
          - {customer: ann, amount: 4.50, order_date: "2024-03-01"}
          - {customer: ann, amount: 1.25, order_date: "2024-02-01"}
          - {customer: bob, amount: 3}
    expect:
      rows:
        - {customer: ann, n_orders: 2, total: 5.75, first_order: "2024-02-01"}
        - {customer: bob, n_orders: 1, total: 3.00}
  - name: csv_and_vars
    model: customers
    overrides:
      vars: {min_amount: 2}
    given:
      - input: ref("stg_orders")
        format: csv
        rows: |
          customer,amount
          ann,1
          ann,3
    expect:
      format: csv
      rows: |
        customer,total
        ann,3
  - name: sql_rows_from_a_source
    model: src_orders
    given:
      - input: source('ecom', 'raw_orders')
        format: sql
        rows: select 7 as id, 'cy' as customer
    expect:
      format: sql
      rows: select 'CY' as customer, 7 as id
`;

describe('dbt unit tests', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('are planned in build after the model parents and before the model; in test on their own; never in run', async () => {
    runner = await Runner.open(writeProject({ ...SHOP, 'models/unit.yml': UNIT_TESTS }));
    const build = await runner.plan();
    const unit = build.nodes.filter((n) => n.type === 'unit_test').map((n) => n.name);
    expect(unit).toEqual([
      'customers::sums_per_customer',
      'customers::csv_and_vars',
      'src_orders::sql_rows_from_a_source',
    ]);
    const id = 'unit_test.p.customers.sums_per_customer';
    expect(build.edges).toEqual(
      expect.arrayContaining([
        ['model.p.stg_orders', id],
        [id, 'model.p.customers'],
        ['seed.p.raw_orders', 'unit_test.p.src_orders.sql_rows_from_a_source'],
      ]),
    );
    const test = await runner.plan({ command: 'test', select: ['src_orders'] });
    expect(test.nodes.map((n) => n.id)).toEqual(['unit_test.p.src_orders.sql_rows_from_a_source']);
    expect(test.edges).toEqual([]);
    expect((await runner.plan({ command: 'run' })).nodes.map((n) => n.type)).not.toContain('unit_test');
  });

  it('are selected by their own name, test_type:unit and resource_type:unit_test, and excluded by name, as dbt does', async () => {
    const dataTest = 'models/props.yml';
    const props =
      'models:\n  - name: customers\n    columns:\n      - name: customer\n        data_tests: [not_null]\n';
    runner = await Runner.open(writeProject({ ...SHOP, 'models/unit.yml': UNIT_TESTS, [dataTest]: props }));
    const ids = async (command: 'test' | 'build', select: string[], exclude: string[] = []) =>
      (await runner.plan({ command, select, exclude })).nodes.map((n) => n.id);
    const sums = 'unit_test.p.customers.sums_per_customer';
    expect(await ids('test', ['sums_per_customer'])).toEqual([sums]);
    expect(await ids('test', ['p.customers.sums_per_customer'])).toEqual([sums]);
    // Selected alone in a build, the unit test runs without building its model.
    expect(await ids('build', ['sums_per_customer'])).toEqual([sums]);
    expect(await ids('test', ['test_type:unit'])).toHaveLength(3);
    expect(await ids('test', ['resource_type:unit_test'], ['csv_and_vars'])).toEqual([
      sums,
      'unit_test.p.src_orders.sql_rows_from_a_source',
    ]);
    expect(await ids('build', ['customers'], ['sums_per_customer'])).not.toContain(sums);
    // `test_type:data` is every data test and no unit test; an unknown type is refused, not read as singular.
    expect(await ids('test', ['test_type:data'])).toEqual(['test.p.not_null_customers_customer.ecebbe9369']);
    await expect(ids('test', ['test_type:unti'])).rejects.toThrow(/test_type:unti: unknown test type/);
  });

  it('of a changed model run in `test -s state:modified --state DIR` (the --state folder reaches their selection)', async () => {
    const dir = writeProject({ ...SHOP, 'models/unit.yml': UNIT_TESTS });
    const state = tmpDir('edp-dbt-state-');
    writeFileSync(join(state, 'manifest.json'), JSON.stringify(dbtManifest(parse(dir))));
    writeFiles(dir, {
      'models/src_orders.sql': "select id, lower(customer) as customer from {{ source('ecom', 'raw_orders') }}",
    });
    runner = await Runner.open(dir);
    const plan = await runner.plan({ command: 'test', select: ['state:modified'], state });
    expect(plan.nodes.map((n) => n.id)).toEqual(['unit_test.p.src_orders.sql_rows_from_a_source']);
  });

  it('pass on dict, csv and sql rows, with missing columns NULL and values typed like the input table', async () => {
    runner = await Runner.open(writeProject({ ...SHOP, 'models/unit.yml': UNIT_TESTS }));
    const results = await runner.build();
    expect(results['customers::sums_per_customer']).toMatchObject({ type: 'unit_test', status: 'success', rows: 0 });
    expect(results['customers::csv_and_vars']).toMatchObject({ status: 'success' });
    expect(results['src_orders::sql_rows_from_a_source']).toMatchObject({ status: 'success' });
    expect(results.customers).toMatchObject({ status: 'success', rows: 2 });
    // Scratch tables are dropped; the real tables hold the seed's rows, not the fixtures'.
    expect(
      await runner.query("select count(*)::int as n from information_schema.tables where table_name like 'edp_%'"),
    ).toEqual([{ n: 0 }]);
    expect(await runner.query('select customer, n_orders::int as n from main.customers order by 1')).toEqual([
      { customer: 'ann', n: 1 },
      { customer: 'bob', n: 1 },
    ]);
  });

  it('fail when the output differs, saying which rows, and the plan makes the model wait for them', async () => {
    runner = await Runner.open(
      writeProject({
        ...SHOP,
        'models/unit.yml': `unit_tests:
  - name: wrong_total
    model: customers
    given:
      - input: ref('stg_orders')
        rows: [{customer: ann, amount: 1}, {customer: ann, amount: 1}]
    expect:
      rows: [{customer: ann, total: 3}]
`,
      }),
    );
    const plan = await runner.plan();
    expect(plan.edges).toContainEqual(['unit_test.p.customers.wrong_total', 'model.p.customers']);
    // `test` alone: the input's table is not built, so its columns are only those the rows give.
    await expect(runner.build({ command: 'test' })).rejects.toMatchObject({
      message: expect.stringMatching(
        /order_date.*not built yet, so typed by the given rows alone: ref\('stg_orders'\)/s,
      ),
      nonRetryable: true,
    });
    const results = await runner.build();
    expect(results['customers::wrong_total']).toMatchObject({
      status: 'fail',
      rows: 2,
      message: expect.stringMatching(
        /^actual differs from expected on \(customer, total\):\n {2}expected, not produced: \["ann","3\.00"\]\n {2}produced, not expected: \["ann","2\.00"\]$/,
      ),
    });
  });

  it('override is_incremental, with `this` as an input', async () => {
    runner = await Runner.open(
      writeProject({
        ...SHOP,
        'models/inc.sql':
          "{{ config(materialized='incremental', unique_key='order_id') }}\nselect order_id, amount from {{ ref('stg_orders') }}\n{% if is_incremental() %}where order_id > (select max(order_id) from {{ this }}){% endif %}",
        'models/unit.yml': `unit_tests:
  - name: only_new_orders
    model: inc
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('stg_orders')
        rows: [{order_id: 1, amount: 1}, {order_id: 2, amount: 2}, {order_id: 3, amount: 3}]
      - input: this
        rows: [{order_id: 2, amount: 2}]
    expect:
      rows: [{order_id: 3, amount: 3}]
`,
      }),
    );
    const results = await runner.build();
    expect(results['inc::only_new_orders']).toMatchObject({ status: 'success' });
  });

  it('override env_vars: env_var() returns the override as YAML typed it (dbt-core 1.10 renders true as True), other variables as before', async () => {
    process.env.UNIT_TEST_REGION = 'from-the-environment';
    try {
      runner = await Runner.open(
        writeProject({
          ...SHOP,
          'models/regional.sql':
            "select customer, '{{ env_var('UNIT_TEST_REGION') }}' as region, '{{ env_var('UNIT_TEST_TIER', 'basic') }}' as tier, " +
            "'{{ env_var('UNIT_TEST_FLAG', 'unset') }}' as flag from {{ ref('stg_orders') }}",
          'models/unit.yml': `unit_tests:
  - name: region_from_override
    model: regional
    overrides:
      env_vars: {UNIT_TEST_TIER: 7, UNIT_TEST_FLAG: true}
    given:
      - input: ref('stg_orders')
        rows: [{customer: ann}]
    expect:
      rows: [{customer: ann, region: from-the-environment, tier: "7", flag: "True"}]
`,
        }),
      );
      const results = await runner.build();
      expect(results['regional::region_from_override']).toMatchObject({ status: 'success' });
      expect(results['regional']).toMatchObject({ status: 'success' });
      expect(await runner.query('select distinct tier from main.regional')).toEqual([{ tier: 'basic' }]);
    } finally {
      delete process.env.UNIT_TEST_REGION;
    }
  });

  it('are refused at parse when they name no model, an unknown input or format, naming file and line', () => {
    const refused = (yaml: string) => {
      try {
        parse(writeProject({ ...SHOP, 'models/unit.yml': yaml }));
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('parsed');
    };
    const entry = (body: string) => `unit_tests:\n  - name: t\n    ${body}\n`;
    expect(refused(entry('model: nope\n    given: []\n    expect: {rows: []}'))).toBe(
      "models/unit.yml:2: unit test t: model 'nope' names no enabled model of this project",
    );
    expect(
      refused(entry("model: customers\n    given: [{input: ref('missing'), rows: []}]\n    expect: {rows: []}")),
    ).toBe("models/unit.yml:2: unit test t: input ref('missing') names no model, seed or snapshot");
    expect(
      refused(entry("model: customers\n    given: [{input: ref('stg_orders'), format: xml}]\n    expect: {rows: []}")),
    ).toBe("models/unit.yml:2: unit test t: format 'xml' is not dict, csv or sql");
  });
});
