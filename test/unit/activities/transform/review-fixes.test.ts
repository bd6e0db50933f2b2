import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectNodes } from '../../../../activities/transform';
import { nodeNamed, parse, Runner, writeProject } from './helpers';

/** Differences from dbt-core found in review, each checked against what dbt does. */
describe('dbt semantics', () => {
  let runner: Runner | undefined;
  afterEach(async () => {
    await runner?.close();
    runner = undefined;
  });

  it('reads dbt_project.yml values that are not mappings as configs, with or without +', () => {
    const m = parse(
      writeProject({
        'dbt_project.yml':
          'name: p\nmodels:\n  p:\n    staging:\n      materialized: incremental\n      unique_key: [a, b]\n',
        'models/staging/s.sql': 'select 1 as a, 2 as b',
      }),
    );
    expect(nodeNamed(m, 's').config).toMatchObject({ materialized: 'incremental', unique_key: ['a', 'b'] });
  });

  it("puts a snapshot's file name in its fqn and calls a project's generate_alias_name", () => {
    const m = parse(
      writeProject({
        'snapshots/s.sql':
          "{% snapshot snap %}{{ config(target_schema='h', unique_key='id', strategy='check', check_cols='all') }} select 1 as id{% endsnapshot %}",
        'macros/alias.sql': '{% macro generate_alias_name(custom_alias_name, node) %}a_{{ node.name }}{% endmacro %}',
        'models/m.sql': 'select 1 as x',
      }),
    );
    expect(nodeNamed(m, 'snap').fqn).toEqual(['p', 's', 'snap']);
    expect(nodeNamed(m, 'm').relation).toEqual({ schema: 'main', identifier: 'a_m' });
  });

  it('selects by fqn as dbt does: folder prefixes, a trailing *, with or without the project', () => {
    const m = parse(
      writeProject({
        'models/staging/sub/deeper/d1.sql': 'select 1 as x',
        'models/staging/sub/inc1.sql': 'select 1 as x',
        'models/marts/m.sql': 'select 1 as x',
      }),
    );
    const sel = (s: string) =>
      selectNodes(m, 'run', [s])
        .map((id) => id.split('.').pop())
        .sort();
    expect(sel('staging')).toEqual(['d1', 'inc1']);
    expect(sel('staging.*')).toEqual(['d1', 'inc1']);
    expect(sel('p.staging.sub')).toEqual(['d1', 'inc1']);
    expect(sel('p.*')).toEqual(['d1', 'inc1', 'm']);
    expect(sel('models/staging')).toEqual(['d1', 'inc1']);
    expect(() => sel('inc*')).toThrow('matches nothing'); // dbt's fqn method has no partial-name globs
  });

  it('a retried first build of an incremental model does not append twice', async () => {
    runner = await Runner.open(
      writeProject({
        'models/ap.sql': "{{ config(materialized='incremental', incremental_strategy='append') }} select 1 as r",
      }),
    );
    const plan = await runner.plan({});
    const input = {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: 'model.p.ap',
      invocationId: 'run-1',
      runStartedAt: '2024-01-01T00:00:00Z',
    };
    await runner.activities.runNode(input);
    await runner.activities.runNode(input); // the retry, after a commit whose result was lost
    expect(await runner.query('select count(*)::int as n from main.ap')).toEqual([{ n: 1 }]);
  });

  it("applies warn_if / error_if, and renders Jinja in a test's where", async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml': 'name: p\nvars:\n  min_id: 2\n',
        'models/m.sql': 'select * from (values (1), (1), (2), (2), (3)) t(id)',
        'models/_m.yml': `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - unique:
              config: { error_if: '>5', warn_if: '>0' }
          - not_null:
              config: { where: "id >= {{ var('min_id') }}" }
          - accepted_values:
              arguments: { values: [2, 3] }
              config: { where: "id >= {{ var('min_id') }}" }
`,
      }),
    );
    const results = await runner.build();
    expect(results['unique_m_id']).toMatchObject({ status: 'warn', rows: 2 });
    expect(results['accepted_values_m_id__2__3']).toMatchObject({ status: 'success', rows: 0 });
  });

  it("counts at most a test's limit of failing rows, as dbt does, and refuses a limit that is not a count", async () => {
    runner = await Runner.open(
      writeProject({
        'models/m.sql': 'select * from (values (1), (1), (2), (2), (3), (3)) t(id)',
        'models/_m.yml': `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - unique:
              config: { limit: 2, error_if: '>2', warn_if: '>0' }
          - not_null:
              name: limited_badly
              config: { limit: 'some' }
`,
      }),
    );
    const results = await runner.build();
    // Three duplicated ids, counted up to 2: error_if '>2' does not hold, so the test warns (dbt's verdict).
    expect(results['unique_m_id']).toMatchObject({ status: 'warn', rows: 2 });
    expect(results['limited_badly']).toMatchObject({ status: 'error' });
    expect(results['limited_badly'].message).toContain('limit "some" is not a whole number');
  });

  it('refuses to load a seed edited after the run was planned', async () => {
    const dir = writeProject({ 'seeds/s.csv': 'a\n1\n' });
    runner = await Runner.open(dir);
    const plan = await runner.plan({});
    writeFileSync(join(dir, 'seeds', 's.csv'), 'a\n1\n2\n');
    await expect(
      runner.activities.runNode({
        manifestFile: plan.manifestFile,
        checksum: plan.checksum,
        nodeId: 'seed.p.s',
        invocationId: 'run-1',
        runStartedAt: '2024-01-01T00:00:00Z',
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('the seed changed after the run was planned') as string,
      nonRetryable: true,
    });
  });

  it('renders Jinja in var values and in dbt_project.yml configs, as dbt does', () => {
    process.env.EDP_TEST_SCHEMA_SUFFIX = 'envschema';
    const m = parse(
      writeProject({
        'dbt_project.yml': `name: p
vars:
  gv: 7
  nested: "{{ var('gv') }}x"
models:
  p:
    +schema: "{{ env_var('EDP_TEST_SCHEMA_SUFFIX', 'none') }}"
`,
        'models/m.sql': "select '{{ var('nested') }}' as v",
      }),
    );
    expect(m.vars.nested).toBe('7x');
    expect(nodeNamed(m, 'm').relation).toEqual({ schema: 'main_envschema', identifier: 'm' });
    delete process.env.EDP_TEST_SCHEMA_SUFFIX;
  });
});
