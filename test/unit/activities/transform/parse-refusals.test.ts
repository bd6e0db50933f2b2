import { DEFAULT_TARGET, parseProject } from '../../../../activities/transform';
import { errorOf, Runner, writeProject } from './helpers';

/** What the engine cannot run fails the plan (before any node runs), non-retryably, naming file, line and feature. */
describe('refused at parse', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  const refused = async (files: Record<string, string>, message: string | RegExp) => {
    runner = await Runner.open(writeProject({ 'models/ok.sql': 'select 1 as x', ...files }));
    await expect(runner.plan()).rejects.toMatchObject({
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      nonRetryable: true,
      type: 'EdpBadInput',
    });
  };

  it('a Python model', () =>
    refused(
      { 'models/py/score.py': 'def model(dbt, session):\n    return None\n' },
      /^models\/py\/score\.py:1: Python models are not supported by edp/,
    ));

  // dbt-duckdb's `external` is built on DuckDB (external.test.ts); on Snowflake, as dbt-snowflake, it has no materialization.
  it("materialized='external' on Snowflake, in config() and in dbt_project.yml", async () => {
    const onSnowflake = (files: Record<string, string>) =>
      errorOf(() =>
        parseProject(writeProject({ 'models/ok.sql': 'select 1 as x', ...files }), {
          target: { ...DEFAULT_TARGET, type: 'snowflake' },
        }),
      );
    expect(
      onSnowflake({
        'models/m.sql': "-- exports\n{{ config(materialized='external', location='out.parquet') }}\nselect 1 as x",
      }),
    ).toMatch(/^models\/m\.sql:2: m: materialized='external' \(dbt-duckdb's external files\) is not supported by edp/);
    expect(
      onSnowflake({ 'dbt_project.yml': 'name: p\nmodels:\n  p:\n    +materialized: materialized_view\n' }),
    ).toMatch(
      /^models\/ok\.sql: ok: materialized='materialized_view' is not supported by edp for a model \(use view, table, incremental, ephemeral\)$/,
    );
    await refused(
      { 'dbt_project.yml': 'name: p\nmodels:\n  p:\n    +materialized: materialized_view\n' },
      /^models\/ok\.sql: ok: materialized='materialized_view' is not supported by edp for a model \(use view, table, incremental, ephemeral, external\)$/,
    );
  });

  // dbt builds dim_v1 / dim_v2 and resolves ref('dim') to the latest: building dim.sql as `dim` would be silently other rows.
  it('versioned models: versions: in properties, and ref() with v= or version=', async () => {
    await refused(
      {
        'models/dim.sql': 'select 1 as id',
        'models/dim_v2.sql': 'select 2 as id',
        'models/props.yml':
          'models:\n  - name: ok\n  - name: dim\n    latest_version: 2\n    versions:\n      - v: 1\n        defined_in: dim\n      - v: 2\n',
      },
      /^models\/props\.yml:3: model dim declares versions: versioned models are not supported by edp yet/,
    );
    await refused(
      { 'models/m.sql': "select *\nfrom {{ ref('ok', v=2) }}" },
      /^models\/m\.sql:2: .*ref\('ok', v=2\): versioned models are not supported by edp yet/,
    );
  });

  it('an incremental strategy the engine does not run', () =>
    refused(
      {
        'models/m.sql':
          "{{ config(materialized='incremental', incremental_strategy='microbatch', unique_key='x') }}\nselect 1 as x",
      },
      /^models\/m\.sql:1: m: incremental_strategy 'microbatch' is not supported by edp/,
    ));

  it('an adapter method the engine does not implement, in a model or a project macro', async () => {
    await refused(
      { 'models/m.sql': "select 1 as x\n{% set cols = adapter.no_such_method(ref('ok')) %}" },
      /^models\/m\.sql:2: adapter\.no_such_method is not supported by edp/,
    );
    await runner.close();
    await refused(
      { 'macros/m.sql': '{% macro m() %}\n\n{{ adapter.no_such_method() }}{% endmacro %}' },
      /^macros\/m\.sql:3: adapter\.no_such_method is not supported by edp/,
    );
  });

  it('an enabled config that renders to neither true nor false', () =>
    refused(
      { 'dbt_project.yml': "name: p\nmodels:\n  p:\n    +enabled: \"{{ var('on', 'maybe') }}\"\n" },
      "models/ok.sql: config enabled is 'maybe', which is neither true nor false",
    ));
});

describe('rendered boolean configs', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it("reads enabled rendered as the text 'false' or 'False' as false, as dbt does", async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml':
          'name: p\nseeds:\n  p:\n    +enabled: "{{ var(\'load_source_data\', false) }}"\nmodels:\n  p:\n    +enabled: "{{ \'False\' }}"\n',
        'seeds/raw.csv': 'id\n1\n',
        'models/off.sql': 'select 1 as x',
      }),
    );
    expect((await runner.plan()).nodes.map((n) => n.id)).toEqual([]);
    expect((await runner.plan({ vars: { load_source_data: true } })).nodes.map((n) => n.id)).toEqual(['seed.p.raw']);
  });
});

describe('declared resources the engine does not run', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('reports the semantic layer in the plan of build (unit tests run: they are planned as nodes)', async () => {
    runner = await Runner.open(
      writeProject({
        'models/orders.sql': 'select 1 as order_id',
        'models/orders.yml': [
          'unit_tests:',
          '  - name: test_orders',
          '    model: orders',
          '    given: []',
          '    expect: {rows: [{order_id: 1}]}',
          'semantic_models:',
          '  - name: order',
          '    model: ref("orders")',
          'metrics:',
          '  - name: order_count',
          '',
        ].join('\n'),
      }),
    );
    const build = await runner.plan({ command: 'build' });
    expect(build.notRun?.map((x) => `${x.kind} ${x.name} ${x.path}`)).toEqual([
      'semantic_model order models/orders.yml',
      'metric order_count models/orders.yml',
    ]);
    expect(build.nodes.map((n) => `${n.type} ${n.name}`)).toEqual(['model orders', 'unit_test orders::test_orders']);
    expect((await runner.plan({ command: 'test' })).notRun).toBeUndefined();
    expect((await runner.plan({ command: 'run' })).notRun).toBeUndefined();
  });
});
