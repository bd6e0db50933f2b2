/**
 * Benchmark: one whole interval through the platform pipeline on Temporal (ingest → transform → quality →
 * export), at scale and dirty: the sample generator's 1,000,000 claims with their lines, members,
 * eligibility and accumulators (about 3.1 M rows) and, by default, 1 % of rows with one realistic defect.
 * Starts its own Temporal dev server and PostgreSQL (infra/, free loopback ports, under .edp/bench/pipeline),
 * runs a worker in this process on a fresh DuckDB file per round, and prints the time of each step with the CPU
 * the process used meanwhile (the worker's JS and DuckDB's threads), rows per second, and the same round's
 * limits: for ingest, DuckDB reading the same landing files straight into typed tables; for transform, the SQL
 * the step ran (run_results.json) straight in DuckDB on a copy of the warehouse (bench/transform-limit.ts).
 *
 * Run by hand: npx tsx bench/pipeline.ts [--claims 1000000] [--members 50000] [--dirt 0.01] [--repeat 1]
 */
import { Client } from '@temporalio/client';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbWarehouse } from '../activities/warehouse';
import { landingFilePath } from '../activities/ingest';
import { startPipeline } from '../cli/pipeline-run';
import { writeSampleFiles, writeSampleSources } from '../cli/sample-files';
import { PIPELINE_STEPS, stepWorkflowId } from '../lib/ids';
import type { LoadedConfig } from '../workers/config';
import type { EdpConfig } from '../workers/config-schema';
import { dataConverterFor } from '../workers/payload-codec';
import { connectClientConnection } from '../workers/temporal-connection';
import { runWorker } from '../workers/worker';
import { BENCH_INTERVAL, benchConfig, REPO, withBenchServers, type BenchServers } from './bench-setup';
import { CpuSamples } from './cpu-samples';
import { fmt, loadAverage, loadNote, machine, spread } from './figures';
import { transformLimit } from './transform-limit';

const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: '1000000' },
    members: { type: 'string', default: '50000' },
    dirt: { type: 'string', default: '0.01' },
    repeat: { type: 'string', default: '1' },
  },
});
const sample = {
  seed: 7,
  members: Number(values.members),
  providers: 2_000,
  claimsPerInterval: Number(values.claims),
  dirt: Number(values.dirt),
};
const repeat = Number(values.repeat);
const root = join(REPO, '.edp', 'bench', 'pipeline');
const interval = BENCH_INTERVAL;

/** A config of the repository's entities, models, rules and marts, on this bench's servers, in a fresh round folder. */
function roundConfig(round: number, servers: BenchServers): LoadedConfig {
  const dir = join(root, `round-${round}`);
  rmSync(dir, { recursive: true, force: true });
  return benchConfig({
    dir,
    pipelineName: `bench_r${round}`,
    temporalAddress: servers.temporalAddress,
    taskQueues: { workflows: 'bench-workflows', warehouse: 'bench-warehouse' },
    postgresPort: servers.postgresPort,
    database: `edp_bench_r${round}`,
    exportMarts: true,
  });
}

/** Wall time of each step's child workflow, from the server's start and close times, and this process's CPU meanwhile. */
async function stepSeconds(
  client: Client,
  config: EdpConfig,
  cpu: CpuSamples,
): Promise<Record<string, { seconds: number; cpuSeconds: number }>> {
  const out: Record<string, { seconds: number; cpuSeconds: number }> = {};
  for (const step of PIPELINE_STEPS) {
    const d = await client.workflow.getHandle(stepWorkflowId(config.pipeline.name, step, interval)).describe();
    const [from, to] = [d.startTime.getTime(), d.closeTime?.getTime() ?? Date.now()];
    out[step] = { seconds: (to - from) / 1000, cpuSeconds: cpu.secondsBetween(from, to) };
  }
  return out;
}

/**
 * The ingest limit: DuckDB's own readers, the same landing files, straight into typed tables, one statement each
 * (the CSV dialect sniffed, as bench/batch-ingest.ts reads it: with it fixed, an unterminated quote swallows the rest).
 */
async function ingestLimit(config: EdpConfig, dir: string): Promise<{ rows: number; seconds: number }> {
  const w = await DuckDbWarehouse.open({ path: join(dir, 'limit.duckdb') });
  let rows = 0;
  const t = performance.now();
  for (const e of config.landing.entities) {
    const file = landingFilePath(config.landing.path, e, interval);
    const cols = Object.entries(e.columns)
      .map(([name, type]) => `'${name}': '${w.dialect.columnType(type)}'`)
      .join(', ');
    const read =
      e.format === 'csv'
        ? `read_csv('${file}', header = true, columns = {${cols}}, ignore_errors = true)`
        : `read_json('${file}', format = 'newline_delimited', columns = {${cols}}, ignore_errors = true)`;
    await w.execute(`CREATE TABLE ${e.name} AS SELECT * FROM ${read}`);
    const [n] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM ${e.name}`);
    rows += Number(n.n);
  }
  const seconds = (performance.now() - t) / 1000;
  await w.close();
  return { rows, seconds };
}

/** One round: fresh state, the interval's files and source rows, the pipeline through Temporal, then the limit. */
async function round(n: number, servers: BenchServers) {
  const { config } = roundConfig(n, servers);
  const g = performance.now();
  writeSampleFiles(config, interval, sample);
  await writeSampleSources(config, interval, sample.seed);
  const generated = (performance.now() - g) / 1000;
  const before = loadAverage();
  let stop: () => void = () => undefined;
  const until = new Promise<void>((resolve) => (stop = resolve));
  let ready: () => void = () => undefined;
  const polling = new Promise<void>((resolve) => (ready = resolve));
  const worker = runWorker(config, { until, onReady: () => ready(), log: () => undefined });
  const connection = await connectClientConnection(config.temporal);
  try {
    await Promise.race([polling, worker]);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFor(config),
    });
    const t = performance.now();
    const cpu = new CpuSamples();
    const result = await (await startPipeline(client, config, interval)).result();
    const seconds = (performance.now() - t) / 1000;
    cpu.stop();
    const steps = await stepSeconds(client, config, cpu);
    stop();
    await worker;
    const dir = join(root, `round-${n}`);
    const limit = await ingestLimit(config, dir);
    const runResults = result.transform?.runResults?.file;
    if (!runResults) throw new Error('the transform step wrote no run_results.json on this host');
    const manifest = join(config.transform.projectDir, 'target', 'manifest.json');
    const tLimit = await transformLimit(config.warehouse.duckdb.path, runResults, manifest, dir);
    return { result, seconds, steps, limit, tLimit, generated, load: loadNote(before, loadAverage()) };
  } finally {
    stop();
    await connection.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  console.log(`machine: ${machine()}`);
  await withBenchServers(root, async (servers) => {
    const totals: number[] = [];
    const ingestRatios: number[] = [];
    const transformRatios: number[] = [];
    for (let r = 1; r <= repeat; r++) {
      const x = await round(r, servers);
      const ingest = x.result.ingest;
      totals.push(x.seconds);
      ingestRatios.push(ingest.rowsIn / x.steps.ingest.seconds / (x.limit.rows / x.limit.seconds));
      transformRatios.push(x.steps.transform.seconds / x.tLimit.seconds);
      console.log(`round ${r}/${repeat} (${x.load}); generated the interval in ${x.generated.toFixed(1)} s`);
      console.log(
        `  ${fmt(ingest.rowsIn)} rows in ${ingest.fileCount} files = ${fmt(ingest.rowsLoaded)} loaded + ${fmt(ingest.rowsQuarantined)} quarantined; status ${x.result.status}`,
      );
      for (const step of PIPELINE_STEPS) {
        const { seconds, cpuSeconds } = x.steps[step];
        console.log(`  ${step.padEnd(9)} ${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s)`);
      }
      console.log(
        `  end to end ${x.seconds.toFixed(2)} s = ${fmt(ingest.rowsIn / x.seconds)} rows/s (target ≤ 15 s); ingest ${fmt(ingest.rowsIn / x.steps.ingest.seconds)} rows/s`,
      );
      console.log(
        `  ingest limit (DuckDB reading the same files): ${fmt(x.limit.rows)} rows in ${x.limit.seconds.toFixed(2)} s = ${fmt(x.limit.rows / x.limit.seconds)} rows/s; ingest at ${ingestRatios.at(-1)!.toFixed(2)} of it`,
      );
      const l = x.tLimit;
      const kinds = Object.entries(l.byKind)
        .map(([k, v]) => `${v.nodes} ${k}s ${v.seconds.toFixed(2)} s (CPU ${v.cpuSeconds.toFixed(2)} s)`)
        .join(', ');
      console.log(
        `  transform limit (its SQL straight in DuckDB, one node at a time): ${l.nodes} nodes in ${l.seconds.toFixed(2)} s (CPU ${l.cpuSeconds.toFixed(2)} s): ${kinds}; transform at ${transformRatios.at(-1)!.toFixed(2)}× it`,
      );
      console.log(
        `    slowest: ${l.slowest.map((s) => `${s.name} ${s.seconds.toFixed(2)} s (CPU ${s.cpuSeconds.toFixed(2)} s)`).join(', ')}`,
      );
    }
    console.log(`end to end: ${spread(totals)} s; ingest ratio to its limit: ${spread(ingestRatios)}`);
    console.log(`transform / its limit: ${spread(transformRatios)}`);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
