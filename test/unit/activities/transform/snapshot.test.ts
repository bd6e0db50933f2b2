import { Runner, writeFiles, writeProject } from './helpers';

const source = (rows: string) => ({
  'models/src.sql': `{{ config(materialized='table') }}\nselect * from (values ${rows}) t(id, v, updated_at)`,
});
const FIRST = "(1, 'a', timestamp '2024-01-01 00:00:00'), (2, 'b', timestamp '2024-01-01 00:00:00')";
const SECOND =
  "(1, 'a', timestamp '2024-01-01 00:00:00'), (2, 'B', timestamp '2024-01-05 00:00:00'), (3, 'c', timestamp '2024-01-05 00:00:00')";

const snapshot = (name: string, config: string) => ({
  [`snapshots/${name}.sql`]: `{% snapshot ${name} %}
{{ config(unique_key='id', target_schema='snapshots', ${config}) }}
select * from {{ ref('src') }}
{% endsnapshot %}`,
});

interface Version {
  id: number;
  v: string | null;
  valid_from: string;
  valid_to: string | null;
  scd_ok: boolean;
}

/** Every version, with whether dbt_scd_id is md5(id || '|' || dbt_updated_at) as dbt's snapshot_hash_arguments makes it. */
const versions = (runner: Runner, table: string) =>
  runner.query<Version & Record<string, unknown>>(
    `select id, v, dbt_valid_from::varchar as valid_from, dbt_valid_to::varchar as valid_to,
       dbt_scd_id = md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(dbt_updated_at as varchar), '')) as scd_ok
     from snapshots.${table} order by id, dbt_valid_from`,
  );

describe('snapshots (SCD2) on DuckDB', () => {
  let runner: Runner;
  afterEach(() => runner?.close());

  it('timestamp strategy: closes the changed version at the new updated_at, adds new keys, leaves others alone', async () => {
    const dir = writeProject({
      ...source(FIRST),
      ...snapshot('snap', "strategy='timestamp', updated_at='updated_at'"),
    });
    runner = await Runner.open(dir);
    expect((await runner.build()).snap).toMatchObject({ status: 'success', rows: 2, table: 'snapshots.snap' });
    writeFiles(dir, source(SECOND));
    expect((await runner.build()).snap).toMatchObject({ status: 'success', rows: 2 });
    expect(await versions(runner, 'snap')).toEqual([
      { id: 1, v: 'a', valid_from: '2024-01-01 00:00:00', valid_to: null, scd_ok: true },
      { id: 2, v: 'b', valid_from: '2024-01-01 00:00:00', valid_to: '2024-01-05 00:00:00', scd_ok: true },
      { id: 2, v: 'B', valid_from: '2024-01-05 00:00:00', valid_to: null, scd_ok: true },
      { id: 3, v: 'c', valid_from: '2024-01-05 00:00:00', valid_to: null, scd_ok: true },
    ]);
    // a run without changes adds nothing
    expect((await runner.build()).snap).toMatchObject({ rows: 0 });
    expect(await versions(runner, 'snap')).toHaveLength(4);
  });

  it('check strategy: versions by the run start time when a checked column changes (null to value included)', async () => {
    const dir = writeProject({
      ...source("(1, 'a', timestamp '2024-01-01'), (2, null, timestamp '2024-01-01')"),
      ...snapshot('snap', "strategy='check', check_cols=['v']"),
    });
    runner = await Runner.open(dir);
    await runner.build({}, { runStartedAt: '2024-02-01T00:00:00.000Z' });
    // id 1: only updated_at changes (not a checked column); id 2: null → 'b'; id 3: new
    writeFiles(
      dir,
      source("(1, 'a', timestamp '2024-01-09'), (2, 'b', timestamp '2024-01-01'), (3, 'c', timestamp '2024-01-01')"),
    );
    expect((await runner.build({}, { runStartedAt: '2024-03-01T00:00:00.000Z' })).snap).toMatchObject({ rows: 2 });
    expect(await versions(runner, 'snap')).toEqual([
      { id: 1, v: 'a', valid_from: '2024-02-01 00:00:00', valid_to: null, scd_ok: true },
      { id: 2, v: null, valid_from: '2024-02-01 00:00:00', valid_to: '2024-03-01 00:00:00', scd_ok: true },
      { id: 2, v: 'b', valid_from: '2024-03-01 00:00:00', valid_to: null, scd_ok: true },
      { id: 3, v: 'c', valid_from: '2024-03-01 00:00:00', valid_to: null, scd_ok: true },
    ]);
  });

  it("hard_deletes: 'invalidate' closes versions whose key left the source", async () => {
    const dir = writeProject({
      ...source(FIRST),
      ...snapshot('snap', "strategy='check', check_cols='all', hard_deletes='invalidate'"),
    });
    runner = await Runner.open(dir);
    await runner.build({}, { runStartedAt: '2024-02-01T00:00:00Z' });
    writeFiles(dir, source("(1, 'a', timestamp '2024-01-01 00:00:00')"));
    await runner.build({}, { runStartedAt: '2024-03-01T00:00:00Z' });
    expect((await versions(runner, 'snap')).map((r) => [r.id, r.valid_to])).toEqual([
      [1, null],
      [2, '2024-03-01 00:00:00'],
    ]);
  });

  it('a retried runNode of the same invocation does not snapshot twice', async () => {
    const dir = writeProject({ ...source(FIRST), ...snapshot('snap', "strategy='check', check_cols='all'") });
    runner = await Runner.open(dir);
    await runner.build({}, { invocationId: 'run-1', runStartedAt: '2024-02-01T00:00:00Z' });
    writeFiles(dir, source(SECOND));
    await runner.build({ select: ['src'] }, { invocationId: 'run-2' });
    const plan = await runner.plan({ select: ['snap'] });
    const input = {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: 'snapshot.p.snap',
      invocationId: 'run-2',
      runStartedAt: '2024-03-01T00:00:00Z',
    };
    expect(await runner.activities.runNode(input)).toMatchObject({ rows: 2 });
    expect(await runner.activities.runNode(input)).toMatchObject({ rows: 2 });
    expect(await versions(runner, 'snap')).toHaveLength(4);
  });

  it('fails a snapshot with an unknown strategy, non-retryably', async () => {
    runner = await Runner.open(
      writeProject({
        ...source(FIRST),
        'snapshots/bad.sql':
          "{% snapshot bad %}\n{{ config(target_schema='s', strategy='sometimes', unique_key='id') }}\nselect * from {{ ref('src') }}\n{% endsnapshot %}",
      }),
    );
    await expect(runner.build()).rejects.toMatchObject({
      message: "snapshots/bad.sql: snapshot bad needs strategy 'timestamp' or 'check'",
      nonRetryable: true,
    });
  });
});
