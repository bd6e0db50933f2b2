/**
 * Benchmark: the dbt-format transform engine against dbt-core (`dbt build`, dbt-duckdb) on the same
 * generated project, in the same run: ≥ 200 models over seeds and a source table (views, tables,
 * incrementals, ephemerals; staging → intermediate → marts) with about two tests per model. Ours runs
 * end to end (parse, run, test) as the `transform` workflow on a Temporal dev server with an in-process
 * worker, and again in-process without Temporal (planTransform, then runNode per node under the same
 * dependency-ordered, `threads`-bounded scheduling); the difference is Temporal's scheduling overhead.
 * Every relation dbt built is then compared row for row with ours. Starts its own Temporal dev server
 * (infra/, free loopback port) and DuckDB files; dbt-core is the pinned one infra/install.ts installs.
 *
 * Run by hand: npx tsx bench/transform.ts [--models 200] [--threads 4] [--repeat 1]
 *
 * Each round builds into fresh DuckDB files and a fresh target/ (so dbt parses from scratch, as ours
 * always does). Before the rounds, one untimed transform through the freshly started worker warms it up
 * (the worker is a long-running process); its time is printed as well.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import {
  createTransformActivities,
  type NodeRunResult,
  type TransformActivities,
  type TransformDeps,
} from '../activities/transform';
import { DuckDbWarehouse } from '../activities/warehouse';
import { rng } from '../cli/sample-data';
import { ensureDbt } from '../infra/install';
import { freePort } from '../infra/process';
import { startTemporal, stopTemporal, temporalPid } from '../infra/temporal';
import { VERSIONS } from '../infra/versions';
import { parentsOf, topologicalOrder } from '../lib/graph';
import type { transform, TransformResult } from '../workflows/transform';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '200' },
    threads: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '1' },
  },
});
const modelCount = Number(values.models);
const threads = Number(values.threads);
const repeat = Number(values.repeat);
const dir = join(__dirname, '..', '.edp', 'bench', 'transform');
const projectDir = join(dir, 'project');
const dbtDir = join(dir, 'dbt');
// A DuckDB file's catalog is its file stem: none of these may be named after a schema (main, landing).
const dbtFile = join(dir, 'dbt_bench.duckdb');
const temporalFile = join(dir, 'edp_temporal.duckdb');
const inProcessFile = join(dir, 'edp_inprocess.duckdb');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------
// The generated project
// ---------------------------------------------------------------------------------------------------

type Materialized = 'view' | 'table' | 'incremental' | 'ephemeral';
type Layer = 'staging' | 'intermediate' | 'marts';
const LAYER_DEFAULT: Record<Layer, Materialized> = { staging: 'view', intermediate: 'table', marts: 'table' };

/** A column of a properties file with its generic tests. */
interface ColumnTests {
  name: string;
  data_tests: unknown[];
}

interface ModelSpec {
  name: string;
  layer: Layer;
  materialized: Materialized;
  sql: string;
  /** Columns with their tests, for the properties file (none for ephemerals: they have no relation). */
  columns: ColumnTests[];
  /** Base-relation scans when inlined (views, ephemerals): bounded so nested views stay cheap to bind. */
  cost: number;
}

const CUSTOMERS = 2000;
const PRODUCTS = 400;
const ORDERS = 6000;
const EVENTS = 5000;
const STATUSES = ['placed', 'shipped', 'returned'];
const EVENT_TYPES = ['click', 'view', 'purchase'];
const REGIONS = ['north', 'south', 'east', 'west'];
const PRODUCT_CATEGORIES = ['cat_a', 'cat_b', 'cat_c', 'cat_d', 'cat_e', 'cat_f', 'cat_g', 'cat_h'];
const CATEGORIES = [...STATUSES, ...EVENT_TYPES, ...REGIONS, ...PRODUCT_CATEGORIES];
/** The source table, created in every warehouse file before a run (dbt does not build sources). */
const EVENTS_DDL = [
  'create schema if not exists landing',
  `create or replace table landing.events as
   select i as event_id, (i * 7919) % ${CUSTOMERS} + 1 as customer_id,
     ['click', 'view', 'purchase'][i % 3 + 1] as event_type, (i * 31) % 500 as value,
     cast(date '2025-01-01' + cast((i * 13) % 365 as integer) as date) as event_date
   from range(1, ${EVENTS + 1}) t(i)`,
];

const isoDay = (base: string, days: number): string =>
  new Date(Date.parse(`${base}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function seedCsvs(): Record<string, string> {
  const r = rng(7);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const customers = ['customer_id,customer_name,region,segment,signup_date'];
  for (let id = 1; id <= CUSTOMERS; id++) {
    const segment = ['retail', 'wholesale', 'online'][id % 3];
    customers.push(`${id},customer ${id},${REGIONS[id % 4]},${segment},${isoDay('2024-01-01', (id * 37) % 700)}`);
  }
  const products = ['product_id,category,price_cents'];
  for (let id = 1; id <= PRODUCTS; id++) products.push(`${id},${PRODUCT_CATEGORIES[id % 8]},${int(100, 9999)}`);
  const orders = ['order_id,customer_id,product_id,quantity,order_date,status'];
  for (let id = 1; id <= ORDERS; id++) {
    orders.push(
      `${id},${int(1, CUSTOMERS)},${int(1, PRODUCTS)},${int(1, 9)},${isoDay('2025-01-01', int(0, 364))},${STATUSES[int(0, 2)]}`,
    );
  }
  return {
    customers: customers.join('\n') + '\n',
    products: products.join('\n') + '\n',
    orders: orders.join('\n') + '\n',
  };
}

const ref = (name: string): string => `{{ ref('${name}') }}`;
const keyTests = (key: string): ColumnTests => ({ name: key, data_tests: ['unique', 'not_null'] });
const relationshipsTest = (column: string): ColumnTests => ({
  name: column,
  data_tests: [{ relationships: { arguments: { to: "ref('customers')", field: 'customer_id' } } }],
});
const acceptedValuesTest = (column: string): ColumnTests => ({
  name: column,
  data_tests: [{ accepted_values: { arguments: { values: CATEGORIES } } }],
});

/** Staging: one root (seed or source), renamed to the common shape id, customer_id, amount, category, event_date. */
function stagingSql(k: number): string {
  const skip = k % 11;
  switch (['orders', 'events', 'orders', 'events', 'customers', 'products'][k % 6]) {
    case 'orders':
      return `select order_id as id, customer_id, (quantity * {{ var('bench_factor') }} + product_id + ${k}) % 1000 as amount,
  status as category, order_date as event_date
from ${ref('orders')}
where order_id % 11 != ${skip}`;
    case 'events':
      return `select event_id as id, customer_id, (value + ${k}) % 1000 as amount, event_type as category, event_date
from {{ source('landing', 'events') }}
where event_id % 11 != ${skip}`;
    case 'customers':
      return `select customer_id as id, customer_id, (customer_id * {{ var('bench_factor') }} + ${k}) % 1000 as amount,
  region as category, signup_date as event_date
from ${ref('customers')}
where customer_id % 11 != ${skip}`;
    default:
      return `select product_id as id, (product_id * 5) % ${CUSTOMERS} + 1 as customer_id, (price_cents + ${k}) % 1000 as amount,
  category, cast(date '2025-01-01' + product_id as date) as event_date
from ${ref('products')}
where product_id % 11 != ${skip}`;
  }
}

type IntKind = 'filter' | 'join' | 'union' | 'agg' | 'window';

/** Intermediate: the common shape in, the common shape out, `id` unique. */
function intermediateSql(kind: IntKind, parents: string[], c: number): string {
  const [a, b] = parents;
  switch (kind) {
    case 'filter': {
      const m = 3 + (c % 5);
      return `select id, customer_id, (amount * 3 + ${c}) % 100003 as amount, category, event_date
from ${ref(a)}
where amount % ${m} != ${c % m}`;
    }
    case 'join':
      return `select a.id, a.customer_id, (a.amount + coalesce(b.amount, 0)) % 1000003 as amount, a.category,
  coalesce(b.event_date, a.event_date) as event_date
from ${ref(a)} as a
left join ${ref(b)} as b on a.id = b.id`;
    case 'union':
      return `select id, customer_id, amount, category, event_date
from (
${parents
  .map(
    (p, i) => `  select id, customer_id, (amount + ${i * 7}) % 1000003 as amount, category, event_date from ${ref(p)}`,
  )
  .join('\n  union all\n')}
) as u
qualify row_number() over (partition by id order by amount desc, customer_id, category, event_date) = 1`;
    case 'agg':
      return `select customer_id as id, customer_id, cast(sum(amount) % 1000003 as bigint) as amount, min(category) as category,
  max(event_date) as event_date
from ${ref(a)}
group by customer_id`;
    case 'window':
      return `select id, customer_id,
  cast(sum(amount) over (partition by customer_id order by id rows between unbounded preceding and current row) % 1000003 as bigint) as amount,
  category, event_date
from ${ref(a)}`;
  }
}

function incrementalSql(inner: string): string {
  return `{{ config(materialized='incremental', unique_key='id') }}
with base as (
${inner}
)
select * from base
{% if is_incremental() %}
where event_date >= (select max(event_date) from {{ this }})
{% endif %}`;
}

type MartKind = 'by_category' | 'by_customer' | 'by_month' | 'joined_by_category';

function martSql(kind: MartKind, parents: string[]): { sql: string; key: string } {
  const [a, b] = parents;
  const measures = `count(*) as n_rows, cast(sum(amount) as bigint) as total_amount, round(avg(amount), 2) as avg_amount,
  min(event_date) as first_date, max(event_date) as last_date`;
  switch (kind) {
    case 'by_category':
      return {
        key: 'category',
        sql: `select category, ${measures}\nfrom ${ref(a)}\nwhere amount >= {{ var('min_amount') }}\ngroup by category`,
      };
    case 'by_customer':
      return {
        key: 'customer_id',
        sql: `select customer_id, ${measures}\nfrom ${ref(a)}\nwhere amount >= {{ var('min_amount') }}\ngroup by customer_id`,
      };
    case 'by_month':
      return {
        key: 'month',
        sql: `select cast(date_trunc('month', event_date) as date) as month, ${measures}\nfrom ${ref(a)}\ngroup by 1`,
      };
    case 'joined_by_category':
      return {
        key: 'category',
        sql: `select a.category, count(*) as n_rows, cast(sum(a.amount + coalesce(b.amount, 0)) as bigint) as total_amount,
  count(b.id) as n_matched, max(coalesce(b.event_date, a.event_date)) as last_date
from ${ref(a)} as a
left join ${ref(b)} as b on a.id = b.id
group by a.category`,
      };
  }
}

/** The generated project as specs (deterministic for a model count). */
function generateModels(total: number): ModelSpec[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const nStaging = Math.round(total * 0.2);
  const nMarts = Math.round(total * 0.3);
  const nIntermediate = total - nStaging - nMarts;
  const models: ModelSpec[] = [];
  const byName = new Map<string, ModelSpec>();
  const add = (m: ModelSpec) => {
    models.push(m);
    byName.set(m.name, m);
  };
  const pad = (i: number) => String(i).padStart(3, '0');

  for (let k = 0; k < nStaging; k++) {
    const materialized: Materialized = k % 3 === 2 ? 'table' : 'view';
    const columns = [keyTests('id')];
    if (k % 4 === 1) columns.push(relationshipsTest('customer_id'));
    add({ name: `stg_${pad(k)}`, layer: 'staging', materialized, sql: stagingSql(k), columns, cost: 1 });
  }

  /** Distinct parents among earlier staging/intermediate models, half the time from the most recent ones. */
  const chooseParents = (n: number, pool: ModelSpec[]): ModelSpec[] => {
    const out: ModelSpec[] = [];
    while (out.length < n) {
      const from = r() < 0.5 ? pool.slice(-12) : pool;
      const p = pick(from);
      if (!out.includes(p)) out.push(p);
    }
    return out;
  };
  const inlineCost = (ps: ModelSpec[]) =>
    ps.reduce((s, p) => s + (p.materialized === 'view' || p.materialized === 'ephemeral' ? p.cost : 1), 0);

  for (let k = 0; k < nIntermediate; k++) {
    const pool = models.filter((m) => m.layer !== 'marts');
    const x = r();
    const kind: IntKind = x < 0.3 ? 'filter' : x < 0.55 ? 'join' : x < 0.7 ? 'union' : x < 0.85 ? 'agg' : 'window';
    const n = kind === 'join' ? 2 : kind === 'union' ? 2 + Math.floor(r() * 2) : 1;
    const parents = chooseParents(n, pool);
    const y = r();
    let materialized: Materialized = y < 0.1 ? 'ephemeral' : y < 0.2 ? 'incremental' : y < 0.5 ? 'view' : 'table';
    const cost = inlineCost(parents);
    if ((materialized === 'view' || materialized === 'ephemeral') && cost > 6) materialized = 'table';
    const inner = intermediateSql(
      kind,
      parents.map((p) => p.name),
      k,
    );
    const sql =
      materialized === 'incremental'
        ? incrementalSql(inner)
        : materialized === LAYER_DEFAULT.intermediate
          ? inner
          : `{{ config(materialized='${materialized}') }}\n${inner}`;
    const columns =
      materialized === 'ephemeral'
        ? []
        : [
            keyTests('id'),
            ...(k % 5 === 2 ? [relationshipsTest('customer_id')] : []),
            ...(k % 7 === 3 ? [acceptedValuesTest('category')] : []),
          ];
    add({ name: `int_${pad(k)}`, layer: 'intermediate', materialized, sql, columns, cost });
  }

  const kinds: MartKind[] = ['by_category', 'by_customer', 'by_month', 'joined_by_category'];
  const ints = models.filter((m) => m.layer === 'intermediate');
  const upstream = models.filter((m) => m.layer !== 'marts');
  for (let k = 0; k < nMarts; k++) {
    const kind = kinds[k % 4];
    const parents = chooseParents(kind === 'joined_by_category' ? 2 : 1, r() < 0.8 ? ints : upstream);
    const { sql, key } = martSql(
      kind,
      parents.map((p) => p.name),
    );
    const columns = [keyTests(key)];
    if (kind === 'by_customer' && k % 2 === 1) columns.push(relationshipsTest('customer_id'));
    if (kind === 'by_category' && k % 2 === 0) columns.push(acceptedValuesTest('category'));
    add({ name: `mart_${pad(k)}`, layer: 'marts', materialized: 'table', sql, columns, cost: 1 });
  }
  return models;
}

/** Writes the dbt project; returns what it holds. */
function writeProject(models: ModelSpec[]) {
  rmSync(projectDir, { recursive: true, force: true });
  const write = (rel: string, text: string) => {
    mkdirSync(join(projectDir, rel, '..'), { recursive: true });
    writeFileSync(join(projectDir, rel), text);
  };
  write(
    'dbt_project.yml',
    stringify({
      name: 'bench',
      version: '1.0.0',
      'config-version': 2,
      profile: 'bench',
      'model-paths': ['models'],
      'seed-paths': ['seeds'],
      flags: { send_anonymous_usage_stats: false },
      vars: { bench_factor: 3, min_amount: 0 },
      models: {
        bench: Object.fromEntries(
          Object.entries(LAYER_DEFAULT).map(([layer, m]) => [layer, { '+materialized': m }]),
        ) as Record<string, unknown>,
      },
    }),
  );
  const seeds = seedCsvs();
  for (const [name, csv] of Object.entries(seeds)) write(`seeds/${name}.csv`, csv);
  const seedProps = [
    { name: 'customers', columns: [keyTests('customer_id')] },
    { name: 'products', columns: [keyTests('product_id'), acceptedValuesTest('category')] },
    { name: 'orders', columns: [keyTests('order_id'), relationshipsTest('customer_id')] },
  ];
  write('seeds/_seeds.yml', stringify({ version: 2, seeds: seedProps }));
  const sourceProps = [
    { name: 'landing', schema: 'landing', tables: [{ name: 'events', columns: [keyTests('event_id')] }] },
  ];
  write('models/staging/_sources.yml', stringify({ version: 2, sources: sourceProps }));
  for (const layer of Object.keys(LAYER_DEFAULT) as Layer[]) {
    const inLayer = models.filter((m) => m.layer === layer);
    for (const m of inLayer) write(`models/${layer}/${m.name}.sql`, `${m.sql}\n`);
    const props = inLayer.filter((m) => m.columns.length).map((m) => ({ name: m.name, columns: m.columns }));
    write(`models/${layer}/_${layer}.yml`, stringify({ version: 2, models: props }));
  }
  const tests: Record<string, number> = {};
  const countTests = (cols: Array<{ data_tests: unknown[] }>) => {
    for (const t of cols.flatMap((c) => c.data_tests)) {
      const name = typeof t === 'string' ? t : Object.keys(t as object)[0];
      tests[name] = (tests[name] ?? 0) + 1;
    }
  };
  for (const m of models) countTests(m.columns);
  for (const s of seedProps) countTests(s.columns);
  countTests(sourceProps[0].tables[0].columns);
  const seedRows = Object.fromEntries(Object.entries(seeds).map(([n, csv]) => [n, csv.trim().split('\n').length - 1]));
  return { tests, seedRows };
}

// ---------------------------------------------------------------------------------------------------
// The runs
// ---------------------------------------------------------------------------------------------------

/** A fresh warehouse file holding the source table. */
async function freshWarehouse(path: string): Promise<DuckDbWarehouse> {
  for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
  const w = await DuckDbWarehouse.open({ path });
  for (const sql of EVENTS_DDL) await w.execute(sql);
  return w;
}

interface DbtRun {
  ms: number;
  summary: string;
  counts: { pass: number; warn: number; error: number; skip: number; total: number };
  /** run_results.json: the run loop's elapsed time and node execution time by resource type. */
  elapsedMs: number;
  nodeMs: Record<string, number>;
  /** From logs/dbt.log: spawn → first log line (interpreter, imports) and that → "Found N models" (profile, adapter, parse). */
  startupMs?: number;
  parseMs?: number;
}

/** `dbt build` as a child process, timed from spawn to exit. */
async function runDbt(dbt: string): Promise<DbtRun> {
  const target = join(dbtDir, 'target');
  rmSync(target, { recursive: true, force: true });
  rmSync(join(dbtDir, 'logs'), { recursive: true, force: true });
  const w = await freshWarehouse(dbtFile);
  await w.close();
  const args = ['build', '--project-dir', projectDir, '--profiles-dir', dbtDir, '--target-path', target];
  args.push('--log-path', join(dbtDir, 'logs'));
  const env = { ...process.env, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false' };
  const spawnedAt = new Date();
  const t = performance.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(dbt, args, { cwd: dbtDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, out: text }));
  });
  const ms = performance.now() - t;
  writeFileSync(join(dbtDir, 'dbt-build.out'), out);
  const line = /PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=\d+)? TOTAL=(\d+)/.exec(out);
  if (code !== 0 || !line) {
    throw new Error(
      `dbt build exited with ${code}; see ${join(dbtDir, 'dbt-build.out')}:\n${out.split('\n').slice(-30).join('\n')}`,
    );
  }
  const [pass, warn, error, skip, total] = line.slice(1).map(Number);
  const results = JSON.parse(readFileSync(join(target, 'run_results.json'), 'utf8')) as {
    elapsed_time: number;
    results: Array<{ unique_id: string; execution_time: number }>;
  };
  const nodeMs: Record<string, number> = {};
  for (const res of results.results) {
    const type = res.unique_id.split('.')[0];
    nodeMs[type] = (nodeMs[type] ?? 0) + res.execution_time * 1000;
  }
  const { startupMs, parseMs } = dbtLogPhases(join(dbtDir, 'logs', 'dbt.log'), spawnedAt, ms);
  return {
    startupMs,
    parseMs,
    ms,
    summary: line[0],
    counts: { pass, warn, error, skip, total },
    elapsedMs: results.elapsed_time * 1000,
    nodeMs,
  };
}

/** Phases of a dbt invocation from its debug log's local-time stamps (HH:MM:SS.ffffff). */
function dbtLogPhases(file: string, spawnedAt: Date, wallMs: number): { startupMs?: number; parseMs?: number } {
  const text = readFileSync(file, 'utf8');
  const at = (re: RegExp) => {
    const m = new RegExp(`^(\\d\\d):(\\d\\d):(\\d\\d\\.\\d+) \\[[a-z]+ *\\] \\[MainThread\\]: ${re.source}`, 'm').exec(
      text,
    );
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 + Number(m[3]) * 1000 : undefined;
  };
  const first = at(/Running with dbt=/);
  const found = at(/Found \d+ models/);
  const spawned =
    ((spawnedAt.getHours() * 60 + spawnedAt.getMinutes()) * 60 + spawnedAt.getSeconds()) * 1000 +
    spawnedAt.getMilliseconds();
  const startupMs = first === undefined ? undefined : first - spawned;
  return {
    startupMs: startupMs !== undefined && startupMs >= 0 && startupMs <= wallMs ? startupMs : undefined,
    parseMs: first !== undefined && found !== undefined ? found - first : undefined,
  };
}

/** Node count and summed time per node type. */
type ByType = Record<string, { count: number; ms: number }>;

const addTo = (byType: ByType, type: string, ms: number): void => {
  byType[type] ??= { count: 0, ms: 0 };
  byType[type].count++;
  byType[type].ms += ms;
};

interface InProcessRun {
  ms: number;
  planMs: number;
  nodes: number;
  failed: number;
  byType: ByType;
  errors: string[];
  /** CPU this process used (JS and DuckDB's threads). */
  cpuMs: number;
}

/**
 * Ours without Temporal: planTransform, then runNode for every node once its parents are done, at most
 * `threads` at a time, launching ready nodes in topological order (the transform workflow's scheduling).
 */
async function runInProcess(acts: TransformActivities): Promise<InProcessRun> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const plan = await acts.planTransform({ projectDir, command: 'build' });
  const planMs = performance.now() - t;
  const graph = { nodes: plan.nodes.map((n) => n.id), edges: plan.edges };
  const parents = parentsOf(graph);
  const typeOf = new Map(plan.nodes.map((n) => [n.id, n.type]));
  const testsOf = new Map(plan.nodes.map((n) => [n.id, n.tests?.map((x) => x.id)]));
  const pending = new Set(topologicalOrder(graph));
  const status = new Map<string, 'ok' | 'failed' | 'skipped'>();
  const running = new Set<string>();
  const byType: InProcessRun['byType'] = {};
  const errors: string[] = [];
  const base = {
    manifestFile: plan.manifestFile,
    checksum: plan.checksum,
    invocationId: `bench-in-process-${Date.now()}`,
    runStartedAt: new Date().toISOString(),
  };
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      for (const id of pending) {
        const ps = parents.get(id)!;
        if (ps.some((p) => status.get(p) === 'failed' || status.get(p) === 'skipped')) {
          pending.delete(id);
          status.set(id, 'skipped');
        } else if (running.size < threads && ps.every((p) => status.has(p))) {
          pending.delete(id);
          running.add(id);
          const started = performance.now();
          acts
            .runNode({ ...base, nodeId: id, tests: testsOf.get(id) })
            .then(
              (r: NodeRunResult) => {
                const bad = [r, ...(r.tests ?? [])].filter((x) => x.status === 'fail' || x.status === 'error');
                for (const x of bad) errors.push(`${x.id}: ${x.message}`);
                return bad.length ? 'failed' : 'ok';
              },
              (err: unknown) => {
                errors.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
                return 'failed' as const;
              },
            )
            .then((s) => {
              addTo(byType, typeOf.get(id)!, performance.now() - started);
              status.set(id, s);
              running.delete(id);
              pump();
            })
            .catch(reject);
        }
      }
      if (pending.size === 0 && running.size === 0) resolve();
    };
    pump();
  });
  const failed = [...status.values()].filter((s) => s === 'failed').length;
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const nodes = plan.nodes.reduce((n, x) => n + 1 + (x.tests?.length ?? 0), 0); // tests run inside their model's activity
  return { ms, planMs, nodes, failed, byType, errors, cpuMs };
}

interface Comparison {
  identical: number;
  differences: string[];
  typeDifferences: string[];
}

/** Every relation dbt built in `main` against ours: same kind, same rows (EXCEPT ALL both ways), same column types. */
async function compareWithDbt(oursFile: string): Promise<Comparison> {
  const w = await DuckDbWarehouse.open({ path: oursFile });
  try {
    await w.execute(`attach '${dbtFile}' as dbt_bench (read_only)`);
    const ours = (await w.query<{ n: string }>('select current_database() as n'))[0].n;
    const relations = async (catalog: string) =>
      new Map(
        (
          await w.query<{ name: string; kind: string }>(
            `select table_name as name, table_type as kind from information_schema.tables
             where table_catalog = ? and table_schema = 'main' order by 1`,
            [catalog],
          )
        ).map((x) => [x.name, x.kind]),
      );
    const columns = async (catalog: string) => {
      const rows = await w.query<{ name: string; col: string; type: string }>(
        `select table_name as name, column_name as col, data_type as type from information_schema.columns
         where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position`,
        [catalog],
      );
      const out = new Map<string, string[]>();
      for (const x of rows) out.set(x.name, [...(out.get(x.name) ?? []), `${x.col} ${x.type}`]);
      return out;
    };
    const [theirs, mine, theirCols, myCols] = [
      await relations('dbt_bench'),
      await relations(ours),
      await columns('dbt_bench'),
      await columns(ours),
    ];
    const out: Comparison = { identical: 0, differences: [], typeDifferences: [] };
    for (const name of mine.keys()) if (!theirs.has(name)) out.differences.push(`${name}: only ours built it`);
    for (const [name, kind] of theirs) {
      if (!mine.has(name)) {
        out.differences.push(`${name}: dbt built it (${kind}), ours did not`);
        continue;
      }
      if (mine.get(name) !== kind) out.differences.push(`${name}: dbt built a ${kind}, ours a ${mine.get(name)}`);
      const a = `dbt_bench.main."${name}"`;
      const b = `"${ours}".main."${name}"`;
      try {
        const [d] = await w.query<{ only_dbt: string; only_ours: string; n: string }>(
          `select (select count(*) from (select * from ${a} except all select * from ${b})) as only_dbt,
                  (select count(*) from (select * from ${b} except all select * from ${a})) as only_ours,
                  (select count(*) from ${a}) as n`,
        );
        if (Number(d.only_dbt) || Number(d.only_ours)) {
          out.differences.push(`${name}: ${d.only_dbt} rows only in dbt's, ${d.only_ours} only in ours (dbt: ${d.n})`);
        } else out.identical++;
      } catch (err) {
        out.differences.push(`${name}: cannot compare (${(err as Error).message.split('\n')[0]})`);
      }
      const [tc, mc] = [theirCols.get(name)?.join(', '), myCols.get(name)?.join(', ')];
      if (tc !== mc) out.typeDifferences.push(`${name}: dbt (${tc}) vs ours (${mc})`);
    }
    return out;
  } finally {
    await w.close();
  }
}

/** Wraps each activity to add its body's time to `into`, by node type (`runNode`) or activity name. */
function timed<T extends Record<string, (input: never) => Promise<unknown>>>(acts: T, into: ByType): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      async (input: never) => {
        const t = performance.now();
        try {
          return await fn(input);
        } finally {
          const nodeId = (input as { nodeId?: unknown } | undefined)?.nodeId;
          addTo(into, typeof nodeId === 'string' ? nodeId.split('.')[0] : name, performance.now() - t);
        }
      },
    ]),
  ) as T;
}

/** Where a workflow's time went, from its event history (server timestamps). */
interface HistoryPhases {
  events: number;
  activities: number;
  /** Scheduled → started (waiting for a worker slot / poll) and started → completed (delivery + body + reply). */
  queueMs: number;
  runMs: number;
  workflowTasks: number;
  /** Workflow task started → completed (the worker running the workflow code and replying). */
  workflowTaskMs: number;
  /** Activity completed → the next workflow task completed (the workflow reacting to a result). */
  reactMs: number;
}

async function historyPhases(client: Client, workflowId: string): Promise<HistoryPhases> {
  const T = proto.api.enums.v1.EventType;
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (e: proto.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds?.toString() ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  const out: HistoryPhases = {
    events: events.length,
    activities: 0,
    queueMs: 0,
    runMs: 0,
    workflowTasks: 0,
    workflowTaskMs: 0,
    reactMs: 0,
  };
  let wftStarted = 0;
  let lastCompleted: number | undefined;
  for (const e of events) {
    const id = String(e.eventId);
    if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(id, at(e));
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED)
      started.set(String(e.activityTaskStartedEventAttributes?.scheduledEventId), at(e));
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const s = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
      out.activities++;
      out.queueMs += started.get(s)! - scheduled.get(s)!;
      out.runMs += at(e) - started.get(s)!;
      lastCompleted ??= at(e);
    } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) wftStarted = at(e);
    else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      out.workflowTasks++;
      out.workflowTaskMs += at(e) - wftStarted;
      if (lastCompleted !== undefined) out.reactMs += at(e) - lastCompleted;
      lastCompleted = undefined;
    }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

interface TemporalRun {
  ms: number;
  result: TransformResult;
  /** Time inside the activity functions, by node type. */
  body: ByType;
  history: HistoryPhases;
  /** CPU this process (worker, workflow threads, DuckDB) and the dev server used during the run. */
  workerCpuMs: number;
  serverCpuMs?: number;
}

/** The 1-minute load average: other processes on the machine skew every figure. */
const load = (): string => loadavg()[0].toFixed(2);

const nodeTimes = (byType: ByType): string =>
  Object.entries(byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, x]) => `${type} ${x.count} × ${(x.ms / x.count).toFixed(1)} ms = ${secs(x.ms)}`)
    .join(', ');

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  mkdirSync(dbtDir, { recursive: true });
  const models = generateModels(modelCount);
  const { tests, seedRows } = writeProject(models);
  const byMat: Record<string, number> = {};
  for (const m of models) byMat[m.materialized] = (byMat[m.materialized] ?? 0) + 1;
  const byLayer: Record<string, number> = {};
  for (const m of models) byLayer[m.layer] = (byLayer[m.layer] ?? 0) + 1;
  const testTotal = Object.values(tests).reduce((a, b) => a + b, 0);
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const ephemeral = new Set(models.filter((m) => m.materialized === 'ephemeral').map((m) => `model.bench.${m.name}`));

  const log = (m: string) => console.log(`  ${m}`);
  const dbt = ensureDbt(undefined, log);
  writeFileSync(
    join(dbtDir, 'profiles.yml'),
    stringify({ bench: { target: 'dev', outputs: { dev: { type: 'duckdb', path: dbtFile, threads } } } }),
  );

  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${load()}`,
  );
  console.log(
    `project: ${models.length} models (${list(byMat)}; ${list(byLayer)}), ${testTotal} tests (${list(tests)}), ` +
      `${Object.keys(seedRows).length} seeds (${list(seedRows)} rows), 1 source table (${fmt(EVENTS)} rows); ${projectDir}`,
  );
  console.log(
    `threads ${threads}; dbt-core ${VERSIONS.dbtCore} + dbt-duckdb ${VERSIONS.dbtDuckdb}; Temporal CLI ${VERSIONS.temporalCli} dev server (SQLite)`,
  );

  // Opened before the server starts, so nothing between starting it and the `finally` that stops it can throw.
  const deps: TransformDeps = { warehouse: await freshWarehouse(join(dir, 'edp_warmup.duckdb')), projectDir };
  const temporalDir = join(dir, 'temporal');
  const grpcPort = await freePort();
  const address = `127.0.0.1:${grpcPort}`;
  process.stdout.write('starting a Temporal dev server… ');
  rmSync(join(temporalDir, 'temporal.sqlite'), { force: true });
  await startTemporal({
    dir: temporalDir,
    dbFile: join(temporalDir, 'temporal.sqlite'),
    host: '127.0.0.1',
    grpcPort,
    log,
  });
  console.log(address);
  let connection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const activityBody: ByType = {};
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    connection = await NativeConnection.connect({ address });
    const taskQueue = 'bench-transform';
    // deps.warehouse is read on every runNode call: each round swaps in a fresh file.
    worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: timed(createTransformActivities(deps), activityBody),
    });
    running = worker.run();
    clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection, namespace: 'default' });
    const serverPid = temporalPid(temporalDir);
    const viaTemporal = async (label: string): Promise<TemporalRun> => {
      rmSync(join(projectDir, 'target'), { recursive: true, force: true });
      for (const k of Object.keys(activityBody)) delete activityBody[k];
      const cpu = process.cpuUsage();
      const serverCpu = serverPid === undefined ? undefined : cpuSecondsOf(serverPid);
      const t = performance.now();
      const workflowId = `bench-transform-${label}-${Date.now()}`;
      const result = await client.workflow.execute<typeof transform>('transform', {
        taskQueue,
        workflowId,
        args: [{ steps: { warehouseTaskQueue: taskQueue, maximumAttempts: 1 }, projectDir, command: 'build', threads }],
      });
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      return {
        ms,
        result,
        body: { ...activityBody },
        history: await historyPhases(client, workflowId),
        workerCpuMs: (used.user + used.system) / 1000,
        serverCpuMs: serverCpu === undefined ? undefined : (cpuSecondsOf(serverPid!) - serverCpu) * 1000,
      };
    };

    const warm = await viaTemporal('warmup');
    await deps.warehouse.close();
    rmSync(join(dir, 'edp_warmup.duckdb'), { force: true });
    console.log(
      `warm-up: first transform through the freshly started worker (untimed in the rounds): ${secs(warm.ms)}, ${warm.result.failed} failed`,
    );

    const figures = {
      dbt: [] as number[],
      temporal: [] as number[],
      inProcess: [] as number[],
      ratio: [] as number[],
      total: 0,
      ephemeralPlanned: 0,
    };
    const overhead = { perNode: [] as number[], perModel: [] as number[] };
    const problems: string[] = [];
    for (let round = 1; round <= repeat; round++) {
      console.log(`round ${round}/${repeat} (load average ${load()})`);
      const d = await runDbt(dbt);

      deps.warehouse = await freshWarehouse(temporalFile);
      const ours = await viaTemporal(`r${round}`);
      await deps.warehouse.close();

      rmSync(join(projectDir, 'target'), { recursive: true, force: true });
      const w = await freshWarehouse(inProcessFile);
      const inProc = await runInProcess(createTransformActivities({ warehouse: w, projectDir }));
      await w.close();

      const nodes = ours.result.models.length;
      const failedNodes = ours.result.models.filter((m) => m.status !== 'success');
      if (ours.result.failed !== 0 || failedNodes.length) {
        problems.push(
          `round ${round}: via Temporal ${ours.result.failed} failed: ${failedNodes
            .slice(0, 5)
            .map((m) => `${m.id} ${m.status} ${m.error ?? ''}`)
            .join('; ')}`,
        );
      }
      if (inProc.failed)
        problems.push(`round ${round}: in-process ${inProc.failed} failed: ${inProc.errors.slice(0, 5).join('; ')}`);
      // dbt runs no node for an ephemeral model; ours may plan one (a no-op activity) or not.
      const counted = ours.result.models.filter((m) => !ephemeral.has(m.id)).length;
      if (counted !== d.counts.total || inProc.nodes !== nodes) {
        problems.push(
          `round ${round}: ours ran ${nodes} nodes (${nodes - counted} ephemeral) through Temporal, ${inProc.nodes} in-process; dbt TOTAL=${d.counts.total}`,
        );
      }
      if (d.counts.error || d.counts.skip || d.counts.warn) problems.push(`round ${round}: dbt: ${d.summary}`);

      const ratio = ours.ms / d.ms;
      const kinds: Record<string, number> = {};
      for (const m of ours.result.models) kinds[m.type] = (kinds[m.type] ?? 0) + 1;
      figures.total = d.counts.total;
      figures.ephemeralPlanned = nodes - counted;
      const overheadMs = ours.ms - inProc.ms;
      figures.dbt.push(d.ms);
      figures.temporal.push(ours.ms);
      figures.inProcess.push(inProc.ms);
      figures.ratio.push(ratio);
      overhead.perNode.push(overheadMs / nodes);
      overhead.perModel.push(overheadMs / models.length);

      console.log(`  dbt build, process start → exit: ${secs(d.ms)}  (${d.summary})`);
      console.log(
        `    outside dbt's run loop: ${secs(d.ms - d.elapsedMs)} (start-up to first log line ${d.startupMs === undefined ? '?' : secs(d.startupMs)}, ` +
          `profile + adapter + full parse to "Found … models" ${d.parseMs === undefined ? '?' : secs(d.parseMs)}); run loop ${secs(d.elapsedMs)}`,
      );
      console.log(
        `    node execution time (run_results.json) by type: ${Object.entries(d.nodeMs)
          .map(([t, ms]) => `${t} ${secs(ms)}`)
          .join(', ')}`,
      );
      console.log(
        `  ours, transform workflow through Temporal, start → result: ${secs(ours.ms)}  (${nodes} nodes, ${ours.result.failed} failed)`,
      );
      const h = ours.history;
      console.log(`    inside the activity functions, by type: ${nodeTimes(ours.body)}`);
      console.log(
        `    history (${fmt(h.events)} events, server clock): ${h.activities} activities, scheduled → started ${(h.queueMs / h.activities).toFixed(1)} ms, ` +
          `started → completed ${(h.runMs / h.activities).toFixed(1)} ms on average; ${h.workflowTasks} workflow tasks of ${(h.workflowTaskMs / h.workflowTasks).toFixed(1)} ms; ` +
          `activity completed → workflow task completed ${(h.reactMs / h.workflowTasks).toFixed(1)} ms`,
      );
      console.log(
        `    CPU during the run: this process (worker, workflow threads, DuckDB) ${secs(ours.workerCpuMs)}, Temporal dev server ${ours.serverCpuMs === undefined ? '?' : secs(ours.serverCpuMs)}`,
      );
      console.log(
        `  ours in-process, no Temporal (planTransform + runNode, same scheduling, ${threads} at once): ${secs(inProc.ms)}  (${inProc.nodes} nodes, ${inProc.failed} failed)`,
      );
      console.log(
        `    plan (parse + manifest): ${secs(inProc.planMs)}; runNode time by type: ${nodeTimes(inProc.byType)}; CPU ${secs(inProc.cpuMs)}`,
      );
      console.log(
        `  ratio ours (through Temporal) / dbt: ${ratio.toFixed(2)} (target ≤ 0.5: ${ratio <= 0.5 ? 'met' : 'NOT met'}); in-process / dbt: ${(inProc.ms / d.ms).toFixed(2)}`,
      );
      console.log(
        `  Temporal scheduling overhead: ${secs(overheadMs)} = ${(overheadMs / nodes).toFixed(1)} ms per node (${nodes} nodes: ${list(kinds)}) = ${(overheadMs / models.length).toFixed(1)} ms per model (${models.length} models)`,
      );
      for (const [label, file] of [
        ['ours through Temporal', temporalFile],
        ['ours in-process', inProcessFile],
      ] as const) {
        const c = await compareWithDbt(file);
        console.log(
          `  dbt vs ${label}: ${c.identical} relations identical row for row${c.differences.length ? `; ${c.differences.length} differ:` : ''}`,
        );
        for (const x of c.differences.slice(0, 10)) console.log(`    ${x}`);
        if (c.differences.length)
          problems.push(`round ${round}: dbt vs ${label}: ${c.differences.length} relations differ`);
        if (c.typeDifferences.length) {
          console.log(
            `    column types differ in ${c.typeDifferences.length} relations, e.g. ${c.typeDifferences.slice(0, 3).join('; ')}`,
          );
        }
      }
    }
    if (repeat > 1) {
      console.log(`median over ${repeat} rounds:`);
      console.log(
        `  dbt build ${secs(median(figures.dbt))}; ours through Temporal ${secs(median(figures.temporal))}; ours in-process ${secs(median(figures.inProcess))}`,
      );
      console.log(
        `  ratio ours/dbt ${median(figures.ratio).toFixed(2)} (target ≤ 0.5); Temporal overhead ${median(overhead.perNode).toFixed(1)} ms per node, ${median(overhead.perModel).toFixed(1)} ms per model`,
      );
    }
    if (problems.length) {
      console.log('CHECKS FAILED:');
      for (const p of problems) console.log(`  ${p}`);
      process.exitCode = 1;
    } else {
      console.log(
        `checks: ours failed 0 nodes, ran the nodes dbt ran (TOTAL=${figures.total}${figures.ephemeralPlanned ? ` + ${figures.ephemeralPlanned} ephemeral no-ops` : ''}), and built the same rows`,
      );
    }
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await clientConnection?.close();
    try {
      await deps.warehouse.close(); // a no-op when closed already
    } catch {
      /* closed already */
    }
    await stopTemporal(temporalDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
