/**
 * Benchmark: the member portal's lookup (one member's `consumption.member_portal_summary` row) served
 * through a worker's query server, the path `edp query` takes: HTTP POST /query on loopback with the lease
 * secret, the read-only guard, then DuckDB. Generates one interval with `--members` members (1 M by default,
 * the sample generator of `edp generate`), runs the pipeline through Temporal (its own dev server and
 * PostgreSQL under .edp/bench/portal, free loopback ports) to build the platform models on DuckDB, then
 * opens the warehouse as a worker does, starts the worker's query server on it and measures, in paired
 * rounds over the same members:
 *
 * - `http`:      the lookup through the query server (the portal's path);
 * - `read-only`: the same lookup through the read-only guard in-process (the server minus HTTP);
 * - `model`:     the same SELECT straight on DuckDB (the model itself, no guard);
 * - `limit`:     the same SELECT straight on DuckDB on a plain table copy of the model's rows, indexed on
 *                member_id as the model's table is (the fastest DuckDB answers this lookup).
 *
 * Each pass also reports the process's CPU time per lookup (client, server and DuckDB's threads, all in
 * this process): on a loaded machine it moves far less than the latencies do.
 *
 * Run by hand: npx tsx bench/portal.ts [--members 1000000] [--claims 200000] [--lookups 2000] [--repeat 3]
 * [--reuse] (`--reuse` measures the warehouse the last run built, skipping the generation and the pipeline).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { singleWriterOf } from '../activities/warehouse/warehouse-config';
import type { Warehouse } from '../activities/warehouse/warehouse';
import { startPipeline } from '../cli/pipeline-run';
import { DEFAULT_SAMPLE, writeSampleFiles, writeSampleSources } from '../cli/sample-files';
import { openWarehouseReader, temporalClient, withWorker } from '../cli/session';
import type { EdpConfig } from '../workers/config-schema';
import { startQueryServer } from '../workers/query-server';
import { openWarehouse } from '../workers/warehouse-factory';
import { BENCH_INTERVAL, benchConfig, REPO, withBenchServers } from './bench-setup';
import { fmt, loadAverage, loadNote, machine, spread } from './figures';

const { values } = parseArgs({
  options: {
    lookups: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '3' },
    members: { type: 'string', default: '1000000' },
    claims: { type: 'string', default: '200000' },
    reuse: { type: 'boolean', default: false },
  },
});
/** Clean rows: the lookup's speed does not depend on quarantined ones. */
const sample = {
  ...DEFAULT_SAMPLE,
  members: Number(values.members),
  claimsPerInterval: Number(values.claims),
  dirt: 0,
};
const lookups = Number(values.lookups);
const repeat = Number(values.repeat);
const root = join(REPO, '.edp', 'bench', 'portal');
const interval = BENCH_INTERVAL;
const PORTAL = 'consumption.member_portal_summary';
const LIMIT_TABLE = 'main.bench_portal_limit';
const lookup = (relation: string, memberId: string): string =>
  `select * from ${relation} where member_id = '${memberId.replace(/'/g, "''")}'`;

/** Generates the interval and runs the pipeline on it through Temporal, with a worker in this process for the run. */
async function buildWarehouse(config: EdpConfig): Promise<void> {
  const g = performance.now();
  writeSampleFiles(config, interval, sample);
  await writeSampleSources(config, interval, sample.seed);
  console.log(`generated ${fmt(sample.members)} members, ${fmt(sample.claimsPerInterval)} claims in ${secs(g)}`);
  const { client, close } = await temporalClient(config);
  try {
    const t = performance.now();
    const result = await withWorker(
      config,
      async () => (await startPipeline(client, config, interval)).result(),
      () => {},
    );
    console.log(`pipeline (ingest → transform → quality → export): ${result.status} in ${secs(t)}`);
  } finally {
    await close();
  }
}

const secs = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** p50 / p95 / p99 of latencies in milliseconds. */
function percentiles(ms: number[]): { p50: number; p95: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** What a pass of lookups took: each lookup's latency, and the process's CPU time per lookup (DuckDB's threads included). */
interface Timed {
  ms: number[];
  cpuMs: number;
}

/** Runs every lookup once through `run`, one at a time (a portal page waits for its row). */
async function timeLookups(members: string[], run: (memberId: string) => Promise<unknown[]>): Promise<Timed> {
  const ms: number[] = [];
  const cpu = process.cpuUsage();
  for (const m of members) {
    const t = performance.now();
    const rows = await run(m);
    ms.push(performance.now() - t);
    if (rows.length !== 1) throw new Error(`a lookup returned ${rows.length} rows, not 1`);
  }
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 / members.length };
}

type Path = 'http' | 'read-only' | 'model' | 'limit';
const PATHS: Path[] = ['http', 'read-only', 'model', 'limit'];

/** The rounds: each path in turn over the same members, every round. */
async function measure(config: EdpConfig, warehouse: Warehouse, members: string[]): Promise<void> {
  const held = singleWriterOf(config.warehouse)!;
  const server = await startQueryServer(warehouse, held);
  const access = await openWarehouseReader(config);
  const runs: Record<Path, (m: string) => Promise<unknown[]>> = {
    http: (m) => access.reader.query(lookup(PORTAL, m)),
    'read-only': (m) => held.queryReadOnly(warehouse, lookup(PORTAL, m)),
    model: (m) => warehouse.query(lookup(PORTAL, m)),
    limit: (m) => warehouse.query(lookup(LIMIT_TABLE, m)),
  };
  const figures = Object.fromEntries(
    PATHS.map((p) => [p, { p50: [] as number[], p95: [] as number[], p99: [] as number[] }]),
  ) as Record<Path, Record<'p50' | 'p95' | 'p99', number[]>>;
  const cpu = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
  try {
    await timeLookups(members.slice(0, 200), runs.http); // warm-up: connections, plans, caches
    for (let r = 1; r <= repeat; r++) {
      const before = loadAverage();
      const line: string[] = [];
      for (const path of PATHS) {
        const timed = await timeLookups(members, runs[path]);
        const p = percentiles(timed.ms);
        for (const k of ['p50', 'p95', 'p99'] as const) figures[path][k].push(p[k]);
        cpu[path].push(timed.cpuMs);
        line.push(
          `${path} p50 ${p.p50.toFixed(2)} / p95 ${p.p95.toFixed(2)} / p99 ${p.p99.toFixed(2)} ms; CPU ${timed.cpuMs.toFixed(2)} ms per lookup`,
        );
      }
      console.log(`round ${r}/${repeat} (${loadNote(before, loadAverage())}), ${fmt(members.length)} lookups each:`);
      for (const l of line) console.log(`  ${l}`);
    }
  } finally {
    await access.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const path of PATHS) {
    console.log(`${path}: p50 ${spread(figures[path].p50)} ms; p95 ${spread(figures[path].p95)} ms`);
    console.log(
      `${' '.repeat(path.length)}  p99 ${spread(figures[path].p99)} ms; CPU per lookup ${spread(cpu[path])} ms`,
    );
  }
  console.log('target: http p95 ≤ 3 ms');
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  if (!values.reuse) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const config = await withBenchServers(root, async (servers) => {
    const { config } = benchConfig({
      dir: root,
      pipelineName: 'bench_portal',
      temporalAddress: servers.temporalAddress,
      taskQueues: { workflows: 'portal-wf', warehouse: 'portal-wh' },
      postgresPort: servers.postgresPort,
      database: 'edp_bench_portal',
    });
    if (!existsSync(singleWriterOf(config.warehouse)!.file)) await buildWarehouse(config);
    return config;
  });
  // The worker's warehouse, as the worker opens it; the query server is the worker's own.
  const warehouse = await openWarehouse(config);
  try {
    await warehouse.execute(`create or replace table ${LIMIT_TABLE} as select * from ${PORTAL} order by member_id`);
    await warehouse.execute(`create index bench_portal_limit_member_id on ${LIMIT_TABLE} (member_id)`);
    const [n] = await warehouse.query<{ n: string }>(`select count(*) as n from ${PORTAL}`);
    const members = (
      await warehouse.query<{ member_id: string }>(
        `select member_id from ${PORTAL} using sample ${lookups} rows (reservoir, 7)`,
      )
    ).map((r) => r.member_id);
    console.log(`${PORTAL}: ${fmt(Number(n.n))} members; ${fmt(members.length)} sampled for lookups`);
    await measure(config, warehouse, members);
  } finally {
    await warehouse.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
