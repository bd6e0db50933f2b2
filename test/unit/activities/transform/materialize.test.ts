import { Runner, writeFiles, writeProject } from './helpers';

const source = (rows: string) => ({
  'models/src.sql': `{{ config(materialized='table') }}\nselect * from (values ${rows}) t(id, v, n)`,
});

describe('runNode: models on DuckDB', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('builds tables and views, inlines ephemerals and builds nothing for them', async () => {
    runner = await Runner.open(
      writeProject({
        ...source("(1, 'a', 10), (2, 'b', 20)"),
        'models/eph.sql': "{{ config(materialized='ephemeral') }} select id, v from {{ ref('src') }} where id > 1",
        'models/vw.sql': "select * from {{ ref('eph') }}",
        'models/marts/tbl.sql':
          "{{ config(materialized='table', schema='marts') }} select count(*) as n from {{ ref('vw') }}",
      }),
    );
    const results = await runner.build();
    expect(results.src).toMatchObject({ status: 'success', rows: 2, table: 'main.src' });
    expect(results.vw).toMatchObject({ status: 'success', table: 'main.vw' });
    expect(results.vw.rows).toBeUndefined();
    expect(results.tbl).toMatchObject({ status: 'success', rows: 1, table: 'main_marts.tbl' });
    expect(results.eph).toBeUndefined(); // not a node of the run: dbt inlines ephemerals and never runs them
    const relations = await runner.query(
      "select table_schema || '.' || table_name as rel, table_type from information_schema.tables where table_schema <> 'audit' order by 1",
    );
    expect(relations).toEqual([
      { rel: 'main.src', table_type: 'BASE TABLE' },
      { rel: 'main.vw', table_type: 'VIEW' },
      { rel: 'main_marts.tbl', table_type: 'BASE TABLE' },
    ]);
    expect(await runner.query('select * from main.vw')).toEqual([{ id: 2, v: 'b' }]);
  });

  it('replaces a view with a table (and back) when the materialization changes', async () => {
    const dir = writeProject({ 'models/m.sql': 'select 1 as x' });
    runner = await Runner.open(dir);
    await runner.build();
    writeFiles(dir, { 'models/m.sql': "{{ config(materialized='table') }} select 2 as x" });
    await runner.build();
    expect(await runner.query("select table_type from information_schema.tables where table_name = 'm'")).toEqual([
      { table_type: 'BASE TABLE' },
    ]);
    writeFiles(dir, { 'models/m.sql': 'select 3 as x' });
    await runner.build();
    expect(await runner.query("select table_type from information_schema.tables where table_name = 'm'")).toEqual([
      { table_type: 'VIEW' },
    ]);
    expect(await runner.query('select x from main.m')).toEqual([{ x: 3 }]);
  });

  it('incremental with unique_key: replaces updated rows, adds new ones, never duplicates', async () => {
    const dir = writeProject({
      ...source("(1, 'a', 10), (2, 'b', 20)"),
      'models/inc.sql': `{{ config(materialized='incremental', unique_key='id') }}
select id, v, n from {{ ref('src') }}
{% if is_incremental() %}where n >= (select max(n) from {{ this }}){% endif %}`,
    });
    runner = await Runner.open(dir);
    expect((await runner.build()).inc).toMatchObject({ status: 'success', rows: 2 });
    // id 2 changes (n stays at the max, so the filter keeps it), id 3 is new, id 1 is filtered out
    writeFiles(dir, source("(1, 'a', 10), (2, 'B', 20), (3, 'c', 30)"));
    expect((await runner.build()).inc).toMatchObject({ status: 'success', rows: 2 });
    expect(await runner.query('select id, v, n from main.inc order by id')).toEqual([
      { id: 1, v: 'a', n: 10 },
      { id: 2, v: 'B', n: 20 },
      { id: 3, v: 'c', n: 30 },
    ]);
  });

  it('incremental with a composite unique_key', async () => {
    const dir = writeProject({
      'models/src.sql': "{{ config(materialized='table') }} select * from (values (1, 'x', 1), (1, 'y', 1)) t(a, b, v)",
      'models/inc.sql':
        "{{ config(materialized='incremental', unique_key=['a', 'b']) }} select * from {{ ref('src') }}",
    });
    runner = await Runner.open(dir);
    await runner.build();
    writeFiles(dir, {
      'models/src.sql': "{{ config(materialized='table') }} select * from (values (1, 'x', 2), (2, 'x', 1)) t(a, b, v)",
    });
    await runner.build();
    expect(await runner.query('select a, b, v from main.inc order by a, b')).toEqual([
      { a: 1, b: 'x', v: 2 },
      { a: 1, b: 'y', v: 1 },
      { a: 2, b: 'x', v: 1 },
    ]);
  });

  it('incremental append: each run appends, a retried runNode of the same invocation does not', async () => {
    const dir = writeProject({
      ...source("(1, 'a', 10)"),
      'models/app.sql': "{{ config(materialized='incremental') }} select id, v from {{ ref('src') }}",
    });
    runner = await Runner.open(dir);
    await runner.build({}, { invocationId: 'run-1' });
    expect(await runner.query('select count(*)::int as n from main.app')).toEqual([{ n: 1 }]);

    const plan = await runner.plan({ select: ['app'] });
    const input = {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: 'model.p.app',
      invocationId: 'run-2',
      runStartedAt: '2024-01-01T00:00:00Z',
    };
    expect(await runner.activities.runNode(input)).toMatchObject({ status: 'success', rows: 1 });
    expect(await runner.activities.runNode(input)).toMatchObject({ status: 'success', rows: 1 }); // the retry
    expect(await runner.query('select count(*)::int as n from main.app')).toEqual([{ n: 2 }]);
    expect(
      await runner.query('select invocation_id, node_id, rows_affected::int as rows from audit.transform_node_runs'),
    ).toEqual([
      { invocation_id: 'run-1', node_id: 'model.p.app', rows: 1 }, // the first build commits its marker too
      { invocation_id: 'run-2', node_id: 'model.p.app', rows: 1 },
    ]);

    await runner.activities.runNode({ ...input, invocationId: 'run-3' });
    expect(await runner.query('select count(*)::int as n from main.app')).toEqual([{ n: 3 }]);
  });

  it('fullRefresh rebuilds an incremental model from scratch, unless full_refresh is false', async () => {
    const dir = writeProject({
      ...source("(1, 'a', 10)"),
      'models/app.sql': "{{ config(materialized='incremental') }} select id, v from {{ ref('src') }}",
      'models/keep.sql':
        "{{ config(materialized='incremental', full_refresh=false) }} select id, v from {{ ref('src') }}",
    });
    runner = await Runner.open(dir);
    await runner.build();
    await runner.build();
    expect(await runner.query('select count(*)::int as n from main.app')).toEqual([{ n: 2 }]);
    writeFiles(dir, source("(1, 'z', 10), (2, 'y', 20)"));
    const results = await runner.build({}, { fullRefresh: true });
    expect(results.app).toMatchObject({ status: 'success', rows: 2 });
    expect(await runner.query('select id, v from main.app order by id')).toEqual([
      { id: 1, v: 'z' },
      { id: 2, v: 'y' },
    ]);
    expect(await runner.query('select count(*)::int as n from main.keep')).toEqual([{ n: 4 }]);
  });

  it('fails a model with bad SQL non-retryably, naming the model and file', async () => {
    runner = await Runner.open(writeProject({ 'models/bad.sql': 'selec 1' }));
    await expect(runner.build()).rejects.toMatchObject({
      message: expect.stringMatching(/^model bad \(models\/bad\.sql\): Parser Error/),
      nonRetryable: true,
      type: 'EdpBadSql',
    });
  });

  // An unsupported materialization now fails the plan, before any node runs (issue 16).
  it('fails an unknown node and an unsupported materialization', async () => {
    runner = await Runner.open(writeProject({ 'models/m.sql': 'select 1' }));
    const plan = await runner.plan();
    const base = { manifestFile: plan.manifestFile, checksum: plan.checksum, invocationId: 'i', runStartedAt: 'now' };
    await expect(runner.activities.runNode({ ...base, nodeId: 'model.p.nope' })).rejects.toMatchObject({
      message: 'unknown node "model.p.nope"',
      nonRetryable: true,
    });
    writeFiles(runner.dir, { 'models/m.sql': "{{ config(materialized='fancy') }} select 1" });
    await expect(runner.plan()).rejects.toMatchObject({
      message: expect.stringContaining("materialized='fancy' is not supported"),
    });
  });
});
