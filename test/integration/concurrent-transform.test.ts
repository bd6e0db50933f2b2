import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
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

/** Runs `work` as attempt `attempt` of its activity, in the activity context a worker gives it. */
function asAttempt<T>(attempt: number, work: () => Promise<T>): Promise<T> {
  return new MockActivityEnvironment({ attempt }).run(work);
}

/**
 * Worker `w` as an attempt's worker that stops at its first statement creating a scratch table
 * (`reached`): `stall` waits there until `resume()` (a worker whose heartbeat was lost while it kept
 * running), `die` runs it and then refuses every call (a worker killed right after).
 */
function stopsAtScratch(w: Warehouse, mode: 'stall' | 'die') {
  let reach!: () => void;
  let resume!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const resumed = new Promise<void>((r) => (resume = r));
  let stopped = false;
  const warehouse = new Proxy(w, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (stopped && mode === 'die') throw new Error('worker killed');
        if (!stopped && prop === 'execute' && /create or replace table \S*edp_/i.test(String(args[0]))) {
          stopped = true;
          reach();
          if (mode === 'stall') await resumed;
          else return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { warehouse, reached, resume };
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
      // Temporal runs a retry of one invocation's activity as the next attempt; a re-run starts at attempt 1.
      await Promise.all([
        asAttempt(1, () => run(a, name, first)),
        asAttempt(first === second ? 2 : 1, () => run(b, name, second)),
      ]);
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

  /** Scratch tables left in the schemas the nodes build in. */
  async function scratchLeft(): Promise<string[]> {
    const schemas = ['event_log', 'event_versions'].map((n) => node(n).relation!.schema);
    const tables = (await Promise.all(schemas.map((schema) => workerA.listTables(schema)))).flat();
    return tables.map((t) => `${t.schema}.${t.table}`).filter((t) => /\.edp_/i.test(t));
  }

  /** Attempt 1 of each node on a worker that stops at its first scratch table, attempt 2 on worker B meanwhile. */
  async function overtaken(round: string, mode: 'stall' | 'die'): Promise<void> {
    await nextBatch();
    for (const name of ['event_log', 'event_versions']) {
      const first = stopsAtScratch(workerA, mode);
      const c = createTransformActivities({ warehouse: first.warehouse, projectDir: project, target });
      const input = {
        manifestFile: plan.manifestFile,
        checksum: plan.checksum,
        nodeId: node(name).id,
        invocationId: `${name}-${round}`,
        runStartedAt: new Date().toISOString(),
      };
      const earlier = asAttempt(1, () => c.runNode(input)).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      await first.reached;
      const live = await asAttempt(2, () => b.runNode(input));
      expect(live.status).toBe('success');
      first.resume();
      const outcome = await earlier;
      if (mode === 'stall') expect(outcome).toEqual({ result: expect.objectContaining({ status: 'success' }) });
      else expect(outcome).toEqual({ error: expect.anything() });
    }
    expect(await counts('event_log')).toEqual({ total: sourceRows, distinct: sourceRows });
    expect(await counts('event_versions', 'where dbt_valid_to is null')).toEqual({
      total: sourceRows,
      distinct: sourceRows,
    });
    expect(await scratchLeft()).toEqual([]);
  }

  it('an attempt that stalled before its scratch tables and resumes after the retry committed leaves none', async () => {
    for (let round = 0; round < 2; round++) await overtaken(`stalled-${round}`, 'stall');
  });

  it('the attempt that commits drops the scratch tables of an earlier attempt killed mid-build', async () => {
    await overtaken('killed', 'die');
  });

  it('leaves no scratch table behind after the races', async () => {
    expect(await scratchLeft()).toEqual([]);
  });
}

describeEngines('concurrent attempts of one incremental node on %s', concurrentTransformSuite);
