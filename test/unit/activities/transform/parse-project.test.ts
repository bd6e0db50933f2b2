import { compileNode, type Manifest } from '../../../../activities/transform';
import { nodeNamed, parse, writeProject } from './helpers';

describe('parseProject: configs, vars, macros, schemas', () => {
  it('applies dbt_project.yml folder configs by fqn (model-path folder excluded): deeper wins, tags add up', () => {
    const dir = writeProject({
      'dbt_project.yml': `name: p
models:
  p:
    +materialized: table
    +tags: [all]
    staging:
      +schema: stg
      +tags: stg
      nested:
        +materialized: view
    models:
      +schema: wrong_if_model_path_were_in_fqn
`,
      'models/top.sql': 'select 1 as id',
      'models/staging/a.sql': 'select 1 as id',
      'models/staging/nested/b.sql': 'select 1 as id',
    });
    const m = parse(dir);
    const [top, a, b] = ['top', 'a', 'b'].map((n) => nodeNamed(m, n));
    expect([top.fqn, a.fqn, b.fqn]).toEqual([
      ['p', 'top'],
      ['p', 'staging', 'a'],
      ['p', 'staging', 'nested', 'b'],
    ]);
    expect(top.config).toMatchObject({ materialized: 'table', tags: ['all'] });
    expect(top.config.schema).toBeUndefined();
    expect(a.config).toMatchObject({ materialized: 'table', schema: 'stg', tags: ['all', 'stg'] });
    expect(b.config).toMatchObject({ materialized: 'view', schema: 'stg', tags: ['all', 'stg'] });
  });

  it('lets in-file config() override the properties file, which overrides dbt_project.yml; tags accumulate', () => {
    const dir = writeProject({
      'dbt_project.yml':
        'name: p\nmodels:\n  p:\n    +materialized: table\n    +tags: [project]\n    +alias: from_project\n',
      'models/_props.yml': `version: 2
models:
  - name: m
    description: The model
    config:
      materialized: incremental
      unique_key: id
      tags: [props]
      alias: from_props
`,
      'models/m.sql': "{{ config(materialized='view', tags=['inline']) }}\nselect 1 as id",
    });
    const m = nodeNamed(parse(dir), 'm');
    expect(m.config).toMatchObject({
      materialized: 'view',
      unique_key: 'id',
      alias: 'from_props',
      tags: ['project', 'props', 'inline'],
    });
    expect(m.description).toBe('The model');
    expect(m.relation).toEqual({ schema: 'main', identifier: 'from_props' });
  });

  it('reads var() from project vars (global and project-scoped), with --vars overriding', () => {
    const dir = writeProject({
      'dbt_project.yml': 'name: p\nvars:\n  region: eu\n  limit: 5\n  p:\n    scoped: s1\n',
      'models/m.sql':
        "select '{{ var('region') }}' as r, {{ var('limit') }} as l, '{{ var('scoped') }}' as s, '{{ var('missing', 'dflt') }}' as d",
    });
    const render = (m: Manifest) => compileNode(m, nodeNamed(m, 'm'), { invocationId: 'i', runStartedAt: 'now' });
    const plain = parse(dir);
    expect(plain.vars).toEqual({ region: 'eu', limit: 5, scoped: 's1' });
    expect(render(plain)).toBe("select 'eu' as r, 5 as l, 's1' as s, 'dflt' as d");
    const m = parse(dir, { region: 'us' });
    expect(m.vars).toEqual({ region: 'us', limit: 5, scoped: 's1' });
    expect(render(m)).toBe("select 'us' as r, 5 as l, 's1' as s, 'dflt' as d");
    // vars are part of the checksum: a different --vars is a different manifest
    expect(m.checksum).not.toBe(parse(dir).checksum);
  });

  it('reads env_var() from the environment, falling back to the default', () => {
    const dir = writeProject({
      'models/m.sql': "{{ config(alias=env_var('EDP_TEST_ALIAS', 'fallback')) }} select 1",
    });
    expect(nodeNamed(parse(dir), 'm').relation?.identifier).toBe('fallback');
    process.env.EDP_TEST_ALIAS = 'from_env';
    try {
      expect(nodeNamed(parse(dir), 'm').relation?.identifier).toBe('from_env');
    } finally {
      delete process.env.EDP_TEST_ALIAS;
    }
  });

  it('makes macros from macros/ callable in models, including from config()', () => {
    const dir = writeProject({
      'macros/util.sql':
        '{% macro default_mat() %}table{% endmacro %}\n{% macro cents(c) %}({{ c }} * 100){% endmacro %}',
      'models/m.sql': "{{ config(materialized=default_mat()) }}\nselect {{ cents('amount') }} as c from t",
    });
    const m = parse(dir);
    expect(m.macros.names).toEqual(['default_mat', 'cents']);
    expect(nodeNamed(m, 'm').config.materialized).toBe('table');
    expect(compileNode(m, nodeNamed(m, 'm'), { invocationId: 'i', runStartedAt: 'now' })).toBe(
      'select (amount * 100) as c from t',
    );
  });

  it('names schemas <target.schema>_<custom> by default, and uses a project generate_schema_name when defined', () => {
    const files = {
      'models/plain.sql': 'select 1',
      'models/custom.sql': "{{ config(schema='marts') }} select 1",
    };
    const byDefault = parse(writeProject(files));
    expect(nodeNamed(byDefault, 'plain').relation).toEqual({ schema: 'main', identifier: 'plain' });
    expect(nodeNamed(byDefault, 'custom').relation).toEqual({ schema: 'main_marts', identifier: 'custom' });

    const overridden = parse(
      writeProject({
        ...files,
        'macros/generate_schema_name.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}_{{ node.name }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
      }),
    );
    expect(nodeNamed(overridden, 'plain').relation?.schema).toBe('main_plain');
    expect(nodeNamed(overridden, 'custom').relation?.schema).toBe('marts');
  });

  it('excludes disabled models (dbt_project.yml, properties file, config()) and their tests', () => {
    const dir = writeProject({
      'dbt_project.yml': 'name: p\nmodels:\n  p:\n    legacy:\n      +enabled: false\n',
      'models/legacy/old.sql': 'select 1 as id',
      'models/off_by_props.sql': 'select 1 as id',
      'models/off_inline.sql': '{{ config(enabled=false) }} select 1 as id',
      'models/on.sql': 'select 1 as id',
      'models/_props.yml': `models:
  - name: off_by_props
    config: {enabled: false}
    columns:
      - name: id
        data_tests: [unique]
  - name: on
    columns:
      - name: id
        data_tests: [unique]
`,
    });
    expect(Object.keys(parse(dir).nodes).sort()).toEqual(['model.p.on', 'test.p.unique_on_id.eb89a83be4']);
  });

  it('fails when an enabled model refs a disabled one', () => {
    const dir = writeProject({
      'models/x.sql': '{{ config(enabled=false) }} select 1',
      'models/y.sql': "select * from {{ ref('x') }}",
    });
    expect(() => parse(dir)).toThrow("models/y.sql:1: ref('x') names a disabled node");
  });

  // dbt only requires names to be unique among *enabled* resources (disabled ones live in manifest.disabled).
  it('allows two models with one name when only one of them is enabled', () => {
    const dir = writeProject({
      'models/a/x.sql': '{{ config(enabled=false) }} select 1 as v',
      'models/b/x.sql': 'select 2 as v',
    });
    const x = nodeNamed(parse(dir), 'x');
    expect(x.path).toBe('models/b/x.sql');
  });

  // dbt: a generic test's fqn is [project, ...folders of its properties file below the model-path, name].
  it('applies data_tests: folder configs of dbt_project.yml to generic tests by their fqn', () => {
    const dir = writeProject({
      'dbt_project.yml': 'name: p\ndata_tests:\n  p:\n    staging:\n      +severity: warn\n',
      'models/staging/stg.sql': 'select 1 as id',
      'models/staging/_props.yml':
        'models:\n  - name: stg\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    const test = nodeNamed(parse(dir), 'not_null_stg_id');
    expect(test.fqn).toEqual(['p', 'staging', 'not_null_stg_id']);
    expect(test.config.severity).toBe('warn');
  });

  it('records dependencies from ref() and source(), and sources from properties files', () => {
    const dir = writeProject({
      'models/_sources.yml': `sources:
  - name: raw
    schema: landing
    tables:
      - name: orders
        identifier: orders_v2
`,
      'models/stg.sql': "select * from {{ source('raw', 'orders') }}",
      'models/m.sql': "select * from {{ ref('stg') }}",
    });
    const m = parse(dir);
    expect(m.sources['source.p.raw.orders'].relation).toEqual({ schema: 'landing', identifier: 'orders_v2' });
    expect(nodeNamed(m, 'stg').dependsOn).toEqual(['source.p.raw.orders']);
    expect(nodeNamed(m, 'm').dependsOn).toEqual(['model.p.stg']);
  });
});
