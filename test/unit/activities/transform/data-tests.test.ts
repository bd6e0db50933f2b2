import type { NodeRunResult } from '../../../../activities/transform';
import { Runner, writeProject } from './helpers';

// child rows: id 2 twice (unique fails once), tag null once, status 'weird' and 'bad' (not accepted),
// parent_id 3 and 9 have no parent (relationships fails twice), parent_id 4 is even (is_odd fails once)
const PROJECT = {
  'models/parent.sql': "{{ config(materialized='table') }} select * from (values (1), (2), (4)) t(id)",
  'models/child.sql': `{{ config(materialized='table') }}
select * from (values
  (1, 1, 'open', 'x'),
  (2, 1, 'open', 'x'),
  (2, 3, 'weird', null),
  (3, null, 'closed', 'y'),
  (4, 9, 'bad', 'z'),
  (5, 4, 'open', 'z')
) t(id, parent_id, status, tag)`,
  'models/_props.yml': `version: 2
models:
  - name: parent
    columns:
      - name: id
        data_tests:
          - at_least: {min_value: 2}
  - name: child
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: tag
        data_tests:
          - not_null
          - not_null:
              name: tag_not_null_where_id_below_2
              config:
                where: "id < 2"
      - name: status
        data_tests:
          - accepted_values:
              values: ['open', 'closed']
              config: {severity: warn}
      - name: parent_id
        data_tests:
          - relationships:
              arguments: {to: "ref('parent')", field: id}
          - is_odd
`,
  'tests/generic/is_odd.sql': `{% test is_odd(model, column_name) %}
select * from {{ model }} where {{ column_name }} % 2 = 0
{% endtest %}`,
  'tests/generic/at_least.sql': `{% test at_least(model, column_name, min_value) %}
select * from {{ model }} where {{ column_name }} < {{ min_value }}
{% endtest %}`,
  'tests/assert_no_id_four.sql': "-- singular test: rows are failures\nselect * from {{ ref('child') }} where id = 4",
  'tests/assert_nothing_wrong.sql': "select * from {{ ref('parent') }} where id < 0",
};

describe('data tests on DuckDB', () => {
  let runner: Runner;
  let results: Record<string, NodeRunResult>;
  beforeAll(async () => {
    runner = await Runner.open(writeProject(PROJECT));
    results = await runner.build();
  });
  afterAll(() => runner?.close());

  const outcome = (name: string) => {
    const r = results[name];
    if (!r) throw new Error(`no result for ${name}: ${Object.keys(results).join(', ')}`);
    return { type: r.type, status: r.status, rows: r.rows };
  };

  it('unique and not_null report the failing-row count', () => {
    expect(outcome('unique_child_id')).toEqual({ type: 'test', status: 'fail', rows: 1 });
    expect(outcome('not_null_child_id')).toEqual({ type: 'test', status: 'success', rows: 0 });
    expect(outcome('not_null_child_tag')).toEqual({ type: 'test', status: 'fail', rows: 1 });
  });

  it('a where config narrows the tested rows', () => {
    expect(outcome('tag_not_null_where_id_below_2')).toEqual({ type: 'test', status: 'success', rows: 0 });
  });

  it('severity warn turns failures into warn', () => {
    expect(outcome('accepted_values_child_status__open__closed')).toEqual({ type: 'test', status: 'warn', rows: 2 });
    expect(results.accepted_values_child_status__open__closed.message).toMatch(
      /^2 failing rows \(query: .*target\/run\/p\/models\/_props\/accepted_values_child_status__open__closed\.sql\)$/,
    );
  });

  it('relationships finds children without a parent', () => {
    expect(outcome('relationships_child_parent_id__id__ref_parent_')).toEqual({
      type: 'test',
      status: 'fail',
      rows: 2,
    });
  });

  it('a custom generic test from tests/generic/ runs with model and column_name', () => {
    expect(outcome('is_odd_child_parent_id')).toEqual({ type: 'test', status: 'fail', rows: 1 });
  });

  it('a custom generic test receives its other arguments', () => {
    expect(outcome('at_least_parent_id__2')).toEqual({ type: 'test', status: 'fail', rows: 1 });
  });

  it('a singular test fails on any row it returns, and passes on none', () => {
    expect(outcome('assert_no_id_four')).toEqual({ type: 'test', status: 'fail', rows: 1 });
    expect(results.assert_no_id_four.message).toMatch(
      /^1 failing row \(query: .*target\/run\/p\/tests\/assert_no_id_four\.sql\)$/,
    );
    expect(outcome('assert_nothing_wrong')).toEqual({ type: 'test', status: 'success', rows: 0 });
  });

  it('the generic test files define tests, not singular test nodes', () => {
    expect(Object.keys(results)).not.toContain('is_odd');
    expect(Object.keys(results)).not.toContain('at_least');
  });
});

describe('tests on sources', () => {
  it('run against the source table', async () => {
    const runner = await Runner.open(
      writeProject({
        'models/_sources.yml': `sources:
  - name: raw
    schema: landing
    tables:
      - name: orders
        columns:
          - name: id
            data_tests: [unique]
`,
      }),
    );
    try {
      await runner.warehouse.execute('create schema landing');
      await runner.warehouse.execute('create table landing.orders as select * from (values (1), (1), (2)) t(id)');
      const results = await runner.build();
      expect(results.source_unique_raw_orders_id).toMatchObject({ status: 'fail', rows: 1 });
    } finally {
      await runner.close();
    }
  });
});
