/**
 * Benchmark: the dbt-format transform engine against dbt-core (`dbt build`, dbt-duckdb) on the same
 * generated project, in the same run: ≥ 200 models over seeds and a source table (views, tables,
 * incrementals, ephemerals; staging → intermediate → marts) with about two tests per model. Ours runs
 * end to end (parse, run, test) as the `transform` workflow on a Temporal dev server with an in-process
 * worker, and again in-process without Temporal (planTransform, then runNode per node driven by the same
 * run queue, lib/run-queue.ts); the difference is Temporal's scheduling overhead.
 * Every relation dbt built is then compared row for row with ours. Starts its own Temporal dev server
 * (infra/, free loopback port) and DuckDB files; dbt-core is the pinned one infra/install.ts installs.
 *
 * Run by hand: npx tsx bench/transform.ts [--models 200] [--threads 4] [--repeat 1] [--no-eager] [--worker JSON]
 *   [--local view,ephemeral,test]
 *
 * Each round runs the workflow twice: `split` (its activities on a second queue and worker, as `edp worker`
 * runs them by default) and `shared` (one queue and worker for both, where the dev server starts activities
 * eagerly; `--no-eager` starts the server without that), then `local` (as shared, with the `--local`
 * materializations run as local activities in the workflow worker, docs/transform.md#orchestration). Each run prints its activities' round trip
 * phase by phase from the history, and the worker's side of it from the SDK's metrics.
 *
 * Each round builds into fresh DuckDB files and a fresh target/ (so dbt parses from scratch, as ours
 * always does). Before the rounds, one untimed transform through the freshly started worker warms it up
 * (the worker is a long-running process); its time is printed as well.
 *
 * The parts live in bench/transform/: the generated project (project.ts, model-sql.ts, source-data.ts),
 * the runs (dbt-run.ts, temporal-run.ts, in-process-run.ts), the comparison and checks (compare.ts,
 * round-checks.ts) and the printed report (report.ts).
 */
import type { WorkerOptions } from '@temporalio/worker';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createTransformActivities, type TransformDeps } from '../activities/transform';
import { ensureDbt } from '../infra/install';
import { loadAverage, loadNote } from './figures';
import { compareWithDbt, type Comparison } from './transform/compare';
import { runDbt } from './transform/dbt-run';
import { runInProcess } from './transform/in-process-run';
import { benchDir, dbtDir, dbtFile, inProcessFile, projectDir, temporalFile } from './transform/paths';
import { generateModels, writeProject } from './transform/project';
import {
  printChecks,
  printComparison,
  printMedians,
  printRound,
  printSetup,
  secs,
  type RoundFigures,
} from './transform/report';
import { ephemeralPlanned, roundProblems } from './transform/round-checks';
import { freshWarehouse } from './transform/source-data';
import { TOPOLOGIES, withTemporal, type Topology } from './transform/temporal-run';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '200' },
    threads: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '1' },
    /** Start the dev server without eager activity execution, to measure what it saves. */
    'no-eager': { type: 'boolean', default: false },
    /** Worker options (JSON) of the worker that runs the workflow, e.g. '{"maxConcurrentWorkflowTaskPolls":4}'. */
    worker: { type: 'string', default: '{}' },
    /** Materializations the `local` runs execute as local activities (`transform.localNodes`), comma-separated. */
    local: { type: 'string', default: 'view,ephemeral,test' },
    /** Most nodes per activity (`transform.batchNodes`) in the `batch` runs. */
    batch: { type: 'string', default: '8' },
    /** Materializations that may share an activity in the `batch` runs (`transform.batchMaterializations`), comma-separated. */
    'batch-materializations': { type: 'string', default: 'view,ephemeral,test,table' },
  },
});
const modelCount = Number(values.models);
const threads = Number(values.threads);
const repeat = Number(values.repeat);
const topologies = Object.keys(TOPOLOGIES) as Topology[];

async function main(): Promise<void> {
  mkdirSync(benchDir, { recursive: true });
  mkdirSync(dbtDir, { recursive: true });
  const models = generateModels(modelCount);
  const project = writeProject(models);
  const ephemeral = new Set(models.filter((m) => m.materialized === 'ephemeral').map((m) => `model.bench.${m.name}`));

  const log = (m: string) => console.log(`  ${m}`);
  const dbt = ensureDbt(undefined, log);
  writeFileSync(
    join(dbtDir, 'profiles.yml'),
    stringify({ bench: { target: 'dev', outputs: { dev: { type: 'duckdb', path: dbtFile, threads } } } }),
  );
  printSetup(models, project, threads);

  // Opened before the server starts, so nothing between starting it and the `finally` that stops it can throw.
  const deps: TransformDeps = { warehouse: await freshWarehouse(join(benchDir, 'edp_warmup.duckdb')), projectDir };
  try {
    const dynamicConfig = values['no-eager'] ? { 'system.enableActivityEagerExecution': false } : undefined;
    const worker = JSON.parse(values.worker) as Partial<WorkerOptions>;
    if (Object.keys(worker).length) console.log(`workflow worker options: ${values.worker}`);
    const localNodes = values.local.split(',').filter(Boolean);
    const batch = { size: Number(values.batch), materializations: values['batch-materializations'].split(',') };
    console.log(`batch runs: up to ${batch.size} nodes of ${batch.materializations.join(', ')} per activity`);
    await withTemporal(deps, { threads, dynamicConfig, worker, localNodes, batch }, log, async (viaTemporal) => {
      for (const topology of topologies) {
        const warm = await viaTemporal('warmup', topology);
        console.log(
          `warm-up (${topology}): a transform through the freshly started workers (untimed in the rounds): ${secs(warm.ms)}, ${warm.result.failed} failed`,
        );
      }
      await deps.warehouse.close();
      rmSync(join(benchDir, 'edp_warmup.duckdb'), { force: true });

      const rounds: RoundFigures[] = [];
      const problems: string[] = [];
      for (let round = 1; round <= repeat; round++) {
        const loadBefore = loadAverage();
        console.log(`round ${round}/${repeat} (load average ${loadBefore.toFixed(2)})`);
        const d = await runDbt(dbt);

        // Alternate which topology goes first, so neither always runs right after dbt.
        const ours = {} as RoundFigures['ours'];
        const comparisons: Array<[string, Comparison]> = [];
        for (const topology of round % 2 ? topologies : [...topologies].reverse()) {
          deps.warehouse = await freshWarehouse(temporalFile);
          ours[topology] = await viaTemporal(`r${round}`, topology);
          await deps.warehouse.close();
          comparisons.push([`ours through Temporal (${topology})`, await compareWithDbt(temporalFile)]);
        }

        rmSync(join(projectDir, 'target'), { recursive: true, force: true });
        const w = await freshWarehouse(inProcessFile);
        const inProc = await runInProcess(createTransformActivities({ warehouse: w, projectDir }), threads);
        await w.close();

        const loads = loadNote(loadBefore, loadAverage());
        const figures: RoundFigures = { dbt: d, ours, inProc, threads, models: models.length, loads };
        rounds.push(figures);
        problems.push(...roundProblems(round, figures, ephemeral));
        printRound(figures);
        comparisons.push(['ours in-process', await compareWithDbt(inProcessFile)]);
        for (const [label, c] of comparisons) {
          printComparison(label, c);
          if (c.differences.length)
            problems.push(`round ${round}: dbt vs ${label}: ${c.differences.length} relations differ`);
        }
      }
      if (repeat > 1) printMedians(rounds);
      const last = rounds.at(-1);
      printChecks(problems, last?.dbt.counts.total ?? 0, last ? ephemeralPlanned(last, ephemeral) : 0);
      if (problems.length) process.exitCode = 1;
    });
  } finally {
    try {
      await deps.warehouse.close(); // a no-op when closed already
    } catch {
      /* closed already */
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
