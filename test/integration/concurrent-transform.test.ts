import { ApplicationFailure } from '@temporalio/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTransformActivities,
  readManifest,
  renderRelation,
  type NodeRunResult,
  type TransformActivities,
  type TransformPlan,
} from '../../activities/transform';
import { ensureSchema, type Warehouse } from '../../activities/warehouse';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';

/**
 * Two attempts of the same incremental model or snapshot for the same interval at the same moment: a
 * retry on worker B while worker A's attempt still runs (same invocation), or a re-run of the interval
 * while the first run's attempt still runs (another invocation). Each worker has its own activities (its
 * own in-process turn-taking) and its own warehouse connections, so only the warehouse can keep them
 * apart. The tables end as one attempt leaves them: no appended row twice, one current snapshot version
 * per key (issue 22). On DuckDB both "workers" share the one process that holds the file (each
 * transaction on its own connection), as the single-writer lease makes them.
 */
const ROUNDS = 4;
const BATCH = 40;

/** A project with an append-only incremental model and a snapshot over one source table. */
function writeProject(dir: string): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'snapshots'), { recursive: true });
  writeFileSync(
    join(dir, 'dbt_project.yml'),
    'name: race\nversion: "1.0.0"\nconfig-version: 2\nprofile: edp\nmodels:\n  race:\n    +materialized: view\n',
  );
  writeFileSync(
    join(dir, 'models', '_sources.yml'),
    'version: 2\nsources:\n  - name: src\n    schema: race_src\n    tables:\n      - name: events\n',
  );
  writeFileSync(
    join(dir, 'models', 'event_log.sql'),
    `{{ config(materialized='incremental') }}
select id, amount from {{ source('src', 'events') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
`,
  );
  writeFileSync(
    join(dir, 'snapshots', 'event_versions.sql'),
    `{% snapshot event_versions %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['amount']) }}
select id, amount from {{ source('src', 'events') }}
{% endsnapshot %}
`,
  );
}

/** One activity attempt as Temporal runs it: retried after a retryable failure, not after a non-retryable one. */
async function withRetries(acts: TransformActivities, input: Parameters<TransformActivities['runNode']>[0]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await acts.runNode(input);
    } catch (err) {
      if (attempt >= 5 || (err instanceof ApplicationFailure && err.nonRetryable)) throw err;
    }
  }
}

function concurrentTransformSuite(engine: TestEngine): void {
  const project = tmpDir('edp-race-');
  writeProject(project);
  let workerA: Warehouse;
  let workerB: Warehouse;
  let a: TransformActivities;
  let b: TransformActivities;
  let plan: TransformPlan;
  // Not `main`: the local Snowflake server describes no table in DuckDB's own default schema.
  const target = { type: engine.engine, schema: 'analytics' };
  beforeAll(async () => {
    workerA = await engine.open('concurrent_transform');
    workerB = engine.expects.embedded ? workerA : await engine.open('concurrent_transform');
    a = createTransformActivities({ warehouse: workerA, projectDir: project, target });
    // Worker B reads the planned manifest from the warehouse, not from worker A's disk.
    b = createTransformActivities({ warehouse: workerB, projectDir: project, target, manifestCacheDir: tmpDir() });
    await ensureSchema(workerA, 'race_src');
    await workerA.execute('create table race_src.events (id integer, amount integer)');
    plan = await a.planTransform({ command: 'build' });
  });
  afterAll(async () => {
    if (workerB !== workerA) await workerB?.close();
    await workerA?.close();
  });

  let sourceRows = 0;
  /** Lands the next batch of events in the source; every earlier event's amount changes too. */
  async function nextBatch(): Promise<void> {
    const values = Array.from({ length: BATCH }, (_, i) => `(${sourceRows + i + 1}, 0)`).join(', ');
    await workerA.execute(`insert into race_src.events values ${values}`);
    sourceRows += BATCH;
    await workerA.execute('update race_src.events set amount = amount + 1');
  }

  const node = (name: string) =>
    Object.values(readManifest(plan.manifestFile, plan.checksum).nodes).find((n) => n.name === name)!;
  const run = (acts: TransformActivities, name: string, invocationId: string): Promise<NodeRunResult> =>
    withRetries(acts, {
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: node(name).id,
      invocationId,
      runStartedAt: new Date().toISOString(),
    });

  async function counts(name: string, where = ''): Promise<{ total: number; distinct: number }> {
    const table = renderRelation(node(name).relation!, engine.engine);
    const [r] = await workerA.query<{ total: unknown; distinct_ids: unknown }>(
      `select count(*) as total, count(distinct id) as distinct_ids from ${table} ${where}`,
    );
    return { total: Number(r.total), distinct: Number(r.distinct_ids) };
  }

  /** Races two attempts of each node, round after round; `invocations` names each attempt's run. */
  async function race(round: string, invocations: (node: string) => [string, string]): Promise<void> {
    await nextBatch();
    for (const name of ['event_log', 'event_versions']) {
      const [first, second] = invocations(`${name}-${round}`);
      await Promise.all([run(a, name, first), run(b, name, second)]);
    }
    expect(await counts('event_log')).toEqual({ total: sourceRows, distinct: sourceRows });
    expect(await counts('event_versions', 'where dbt_valid_to is null')).toEqual({
      total: sourceRows,
      distinct: sourceRows,
    });
  }

  it('builds the first versions once', async () => {
    await race('first', (n) => [n, n]);
  });

  it('commits one of two attempts of one invocation racing on two workers, round after round', async () => {
    for (let round = 0; round < ROUNDS; round++) await race(`retry-${round}`, (n) => [n, n]);
  });

  it('commits two invocations of one interval racing on two workers as if one ran after the other', async () => {
    for (let round = 0; round < ROUNDS; round++) await race(`rerun-${round}`, (n) => [`${n}-a`, `${n}-b`]);
  });
}

describeEngines('concurrent attempts of one incremental node on %s', concurrentTransformSuite);
