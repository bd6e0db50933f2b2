import { nodeNamed, parse, Runner, writeProject } from './helpers';

/** A post-hook logging into `ops.log`: its place in the log, who wrote it, and what. */
const logHook = (who: string, what = "'{{ this }}'", rows = '(select count(*) from {{ this }})') =>
  `insert into ops.log select (select count(*) from ops.log), '${who}', ${what}, ${rows}`;

/** Pre-hooks creating the log's schema and table: every model makes sure they exist before it builds. */
const PROJECT = [
  'name: p',
  'models:',
  '  p:',
  '    +pre-hook:',
  '      - "create schema if not exists ops"',
  '      - "create table if not exists ops.log (seq integer, who varchar, what varchar, n integer)"',
  `    +post-hook: "${logHook('project')}"`,
  '',
].join('\n');

const ORDERS = {
  'dbt_project.yml': PROJECT,
  'models/props.yml': `models:\n  - name: orders\n    config:\n      post-hook: "${logHook('properties', "'{{ this.name }}'", '0')}"\n`,
  'models/orders.sql': `{{ config(materialized='table', post_hook=["${logHook('config', "'{{ this.name }}'", '0')}"]) }}\nselect 1 as id union all select 2`,
};

describe('pre-hooks and post-hooks', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('parse as dbt reads them: project, properties and config() hooks added up in that order', () => {
    const orders = nodeNamed(parse(writeProject(ORDERS)), 'orders');
    expect(orders.config['pre-hook']).toEqual([
      { sql: 'create schema if not exists ops', transaction: true },
      {
        sql: 'create table if not exists ops.log (seq integer, who varchar, what varchar, n integer)',
        transaction: true,
      },
    ]);
    expect((orders.config['post-hook'] as Array<{ sql: string }>).map((h) => h.sql)).toEqual([
      logHook('project'),
      logHook('properties', "'{{ this.name }}'", '0'),
      logHook('config', "'{{ this.name }}'", '0'),
    ]);
  });

  it('a pre-hook creates a schema, post-hooks insert into an audit table, rendered with the node as `this`', async () => {
    runner = await Runner.open(writeProject(ORDERS));
    const results = await runner.build({}, { invocationId: 'run-1' });
    expect(results.orders).toMatchObject({ status: 'success', rows: 2 });
    expect(await runner.query('select seq::int as seq, who, what, n::int as n from ops.log order by seq')).toEqual([
      { seq: 0, who: 'project', what: '"main"."orders"', n: 2 },
      { seq: 1, who: 'properties', what: 'orders', n: 0 },
      { seq: 2, who: 'config', what: 'orders', n: 0 },
    ]);
  });

  it('run once per invocation: a retried runNode neither builds again nor repeats a hook', async () => {
    runner = await Runner.open(writeProject(ORDERS));
    const plan = await runner.plan();
    const input = {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: 'model.p.orders',
      invocationId: 'run-1',
      runStartedAt: '2026-01-01T00:00:00Z',
    };
    expect(await runner.activities.runNode(input)).toMatchObject({ status: 'success', rows: 2 });
    await runner.warehouse.execute('insert into main.orders values (3)'); // a rebuild would drop this row
    expect(await runner.activities.runNode(input)).toMatchObject({ status: 'success', rows: 2 }); // the retry
    expect(await runner.query('select count(*)::int as n from main.orders')).toEqual([{ n: 3 }]);
    expect(await runner.query('select count(*)::int as n from ops.log')).toEqual([{ n: 3 }]);
    await runner.activities.runNode({ ...input, invocationId: 'run-2' });
    expect(await runner.query('select count(*)::int as n from ops.log')).toEqual([{ n: 6 }]);
  });

  it('run hooks outside the transaction (before_begin, after_commit, transaction: false) before or after the rest', async () => {
    runner = await Runner.open(
      writeProject({
        'dbt_project.yml': 'name: p\n',
        'seeds/s.csv': 'id\n1\n',
        'seeds/props.yml': `seeds:\n  - name: s\n    config:\n      post-hook:\n        - sql: "${logHook('yaml-after')}"\n          transaction: false\n        - "${logHook('yaml-inside')}"\n`,
        'models/m.sql': `{{ config(pre_hook=["${logHook('inside', "'x'", '0')}", before_begin("${logHook('before', "'x'", '0')}")]) }}\nselect * from {{ ref('s') }}`,
      }),
    );
    await runner.warehouse.execute('create schema ops');
    await runner.warehouse.execute('create table ops.log (seq integer, who varchar, what varchar, n integer)');
    const results = await runner.build();
    expect(results.m).toMatchObject({ status: 'success' });
    expect(await runner.query('select who from ops.log order by seq')).toEqual([
      { who: 'yaml-inside' },
      { who: 'yaml-after' },
      { who: 'before' },
      { who: 'inside' },
    ]);
  });

  it('a failing hook fails its node, non-retryably, naming the file and the hook', async () => {
    runner = await Runner.open(
      writeProject({ 'models/m.sql': "{{ config(post_hook='insert into nowhere.t values (1)') }}\nselect 1 as x" }),
    );
    await expect(runner.build()).rejects.toMatchObject({
      message: expect.stringMatching(/^models\/m\.sql \(post-hook 1\): .*nowhere/),
      nonRetryable: true,
    });
  });
});

describe('on-run-start and on-run-end', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  const project = {
    'dbt_project.yml': [
      'name: p',
      'on-run-start:',
      '  - "create schema if not exists ops"',
      '  - "create table if not exists ops.runs (phase varchar, what varchar)"',
      `on-run-end: "insert into ops.runs select 'end', '{{ schemas | join(\\",\\") }}:{% for r in results %}{{ r.node.name }}={{ r.status }} {% endfor %}'"`,
      '',
    ].join('\n'),
    'models/a.sql': 'select 1 as x',
  };

  it('are planned for commands that run nodes, not for compile', async () => {
    runner = await Runner.open(writeProject(project));
    expect((await runner.plan()).runHooks).toEqual(['on-run-start', 'on-run-end']);
    expect((await runner.plan({ command: 'compile' })).runHooks).toBeUndefined();
    expect(parse(writeProject({ 'models/a.sql': 'select 1 as x' })).runHooks).toBeUndefined();
  });

  it('run in order with the run hook context (schemas, results), once per invocation', async () => {
    runner = await Runner.open(writeProject(project));
    const plan = await runner.plan();
    const base = {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      invocationId: 'run-1',
      runStartedAt: '2026-01-01T00:00:00Z',
      nodeIds: plan.nodes.map((n) => n.id),
    };
    expect(await runner.activities.runProjectHooks({ ...base, kind: 'on-run-start' })).toMatchObject({ hooks: 2 });
    const results = [
      { id: 'model.p.a', status: 'success', rows: 1 },
      { id: 'test.p.missing', status: 'skipped' },
    ];
    await runner.activities.runProjectHooks({ ...base, kind: 'on-run-end', results });
    await runner.activities.runProjectHooks({ ...base, kind: 'on-run-end', results }); // a retry
    expect(await runner.query('select phase, what from ops.runs')).toEqual([
      { phase: 'end', what: 'main:a=success test.p.missing=skipped ' },
    ]);
  });
});
