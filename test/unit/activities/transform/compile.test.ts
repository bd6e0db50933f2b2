import { compileNode, testSql, type Manifest } from '../../../../activities/transform';
import { nodeNamed, parse, writeProject } from './helpers';

const RUN = { invocationId: 'inv-1', runStartedAt: '2024-01-01T00:00:00Z' };
const compile = (m: Manifest, name: string, isIncremental = false) =>
  compileNode(m, nodeNamed(m, name), { ...RUN, isIncremental });

const SOURCES = `sources:
  - name: raw
    schema: landing
    tables:
      - name: orders
        identifier: orders_v2
`;

describe('compileNode', () => {
  it('renders ref() and source() as "schema"."identifier" of the built relation', () => {
    const m = parse(
      writeProject({
        'models/_sources.yml': SOURCES,
        'models/stg.sql':
          "{{ config(schema='staging', alias='stg_orders', materialized='table') }}\nselect * from {{ source('raw', 'orders') }};\n",
        'models/m.sql': "select * from {{ ref('stg') }} join {{ ref('p', 'stg') }} using (id)",
      }),
    );
    expect(compile(m, 'stg')).toBe('select * from "landing"."orders_v2"');
    expect(compile(m, 'm')).toBe(
      'select * from "main_staging"."stg_orders" join "main_staging"."stg_orders" using (id)',
    );
  });

  it('inlines an ephemeral model as a __dbt__cte__ CTE', () => {
    const m = parse(
      writeProject({
        'models/base.sql': "{{ config(materialized='table') }} select 1 as id",
        'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('base') }}",
        'models/m.sql': "select * from {{ ref('eph') }} a join {{ ref('eph') }} b using (id)",
      }),
    );
    expect(compile(m, 'm')).toBe(
      'with __dbt__cte__eph as (\nselect id from "main"."base"\n)\nselect * from __dbt__cte__eph a join __dbt__cte__eph b using (id)',
    );
  });

  it('merges ephemeral CTEs into a model that starts with its own WITH (after leading comments), dependencies first', () => {
    const m = parse(
      writeProject({
        'models/e2.sql': "{{ config(materialized='ephemeral') }}select 1 as id",
        'models/e1.sql': "{{ config(materialized='ephemeral') }}select * from {{ ref('e2') }}",
        'models/m.sql': "-- top comment\nWITH base AS (select * from {{ ref('e1') }})\nselect * from base",
      }),
    );
    expect(compile(m, 'm')).toBe(
      [
        '-- top comment',
        'WITH __dbt__cte__e2 as (',
        'select 1 as id',
        '),',
        '__dbt__cte__e1 as (',
        'select * from __dbt__cte__e2',
        '),',
        'base AS (select * from __dbt__cte__e1)',
        'select * from base',
      ].join('\n'),
    );
  });

  it('defines a shared ephemeral once when two ephemerals use it', () => {
    const m = parse(
      writeProject({
        'models/shared.sql': "{{ config(materialized='ephemeral') }}select 1 as id",
        'models/left.sql': "{{ config(materialized='ephemeral') }}select * from {{ ref('shared') }}",
        'models/right.sql': "{{ config(materialized='ephemeral') }}select * from {{ ref('shared') }}",
        'models/m.sql': "select * from {{ ref('left') }} union all select * from {{ ref('right') }}",
      }),
    );
    const sql = compile(m, 'm');
    expect(sql.match(/__dbt__cte__shared as \(/g)).toHaveLength(1);
    expect(sql.indexOf('__dbt__cte__shared as')).toBeLessThan(sql.indexOf('__dbt__cte__left as'));
    expect(sql.indexOf('__dbt__cte__shared as')).toBeLessThan(sql.indexOf('__dbt__cte__right as'));
  });

  it('renders {{ this }} as the model relation and is_incremental() from the compile options', () => {
    const m = parse(
      writeProject({
        'models/inc.sql': `{{ config(materialized='incremental', schema='marts') }}
select * from src
{% if is_incremental() %}where ts > (select max(ts) from {{ this }}) and '{{ this.identifier }}' = 'inc'{% endif %}`,
      }),
    );
    expect(compile(m, 'inc', false)).toBe('select * from src');
    expect(compile(m, 'inc', true)).toBe(
      `select * from src\nwhere ts > (select max(ts) from "main_marts"."inc") and 'inc' = 'inc'`,
    );
  });

  it('sees vars, target and the run invocation id; prints booleans and none as dbt (Python) does', () => {
    const m = parse(
      writeProject({
        'dbt_project.yml': 'name: p\nvars:\n  n: 3\n',
        'models/m.sql':
          "select {{ var('n') }} as n, '{{ target.schema }}' as s, '{{ invocation_id }}' as i, {{ execute }} as e, " +
          "'{{ var('n') == 3 }}' as t, '{{ none }}/{{ var('missing', none) }}/{{ false }}' as f",
      }),
    );
    expect(compile(m, 'm')).toBe(
      "select 3 as n, 'main' as s, 'inv-1' as i, True as e, 'True' as t, 'None/None/False' as f",
    );
  });
});

describe('testSql', () => {
  const m = parse(
    writeProject({
      'models/parent.sql': 'select 1 as id',
      'models/child.sql': 'select 1 as id, 1 as parent_id',
      'models/_props.yml': `models:
  - name: child
    columns:
      - name: id
        data_tests:
          - not_null:
              config: {where: "id > 0"}
      - name: parent_id
        data_tests:
          - relationships: {to: "ref('parent')", field: id}
          - accepted_values: {values: [1, 2], quote: false}
`,
    }),
  );

  it('applies a where config to the tested relation', () => {
    expect(testSql(m, nodeNamed(m, 'not_null_child_id'), RUN)).toBe(
      'select "id" from (select * from "main"."child" where id > 0) dbt_subquery where "id" is null',
    );
  });

  it('reads the parent of a relationships test from the ref', () => {
    expect(testSql(m, nodeNamed(m, 'relationships_child_parent_id__id__ref_parent_'), RUN)).toContain(
      'parent as (select "id" as to_field from "main"."parent")',
    );
  });

  it('does not quote accepted values with quote: false', () => {
    expect(testSql(m, nodeNamed(m, 'accepted_values_child_parent_id__False__1__2'), RUN)).toContain('not in (1, 2)');
  });
});
