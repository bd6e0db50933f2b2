import { Runner, writeProject } from './helpers';

const PROJECT = [
  'name: p',
  'models:',
  '  p:',
  '    b:',
  '      +post-hook:',
  '        - "{{ adapter.create_schema(api.Relation.create(database=target.database, schema=\'scratch\')) }}"',
  '        - "create table scratch.t as select 1 as x"',
  "        - \"{{ adapter.rename_relation(api.Relation.create(schema='scratch', identifier='t'), api.Relation.create(schema='scratch', identifier='t2')) }}\"",
  "        - \"{% do adapter.truncate_relation(api.Relation.create(schema='scratch', identifier='t2')) %}\"",
  '        - "{{ adapter.drop_relation(ref(\'a\')) }}"',
  '        - "{{ adapter.drop_relation(api.Relation.create(schema=this.schema, identifier=this.identifier)) }}"',
  '',
].join('\n');

/** Adapter methods that change the warehouse, called from hooks: carried out in the node's activity, in order. */
describe('adapter methods in hooks', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('create_schema, rename_relation, truncate_relation and drop_relation run when the hook runs', async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml': PROJECT,
        'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
        'models/b.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('a') }}",
      }),
    );
    const r = await runner.build();
    expect(r.b).toMatchObject({ status: 'success', rows: 1 });
    const tables = await runner.query(
      "select table_schema || '.' || table_name as t from information_schema.tables where table_schema in ('main', 'scratch') order by 1",
    );
    // a and b dropped by the hooks; scratch.t renamed to t2 and emptied.
    expect(tables).toEqual([{ t: 'scratch.t2' }]);
    expect(await runner.query('select count(*)::int as n from scratch.t2')).toEqual([{ n: 0 }]);
  });

  it("drop_relation(this.incorporate(type='table')) in a seed's post-hook drops the seed (dbt_utils' integration tests)", async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml': [
          "name: 'p'",
          'seeds:',
          '  p:',
          '    +post-hook: "{% do adapter.drop_relation(this.incorporate(type=\'table\')) %}"',
          '',
        ].join('\n'),
        'seeds/dropped_seed.csv': 'id\n1\n',
      }),
    );
    const r = await runner.build();
    expect(r.dropped_seed).toMatchObject({ status: 'success' });
    expect(
      await runner.query("select table_name from information_schema.tables where table_name = 'dropped_seed'"),
    ).toEqual([]);
  });

  it("in a model's SQL still fail the node, naming the method", async () => {
    runner = await Runner.open(writeProject({ 'models/m.sql': '{{ adapter.drop_relation(this) }}\nselect 1 as id' }));
    await expect(runner.build()).rejects.toThrow(/adapter\.drop_relation\(\) is supported by edp in hooks only/);
  });
});
