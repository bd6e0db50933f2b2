import { cpus, loadavg, totalmem } from 'node:os';
import { VERSIONS } from '../../infra/versions';
import type { Comparison } from './compare';
import type { DbtRun } from './dbt-run';
import type { InProcessRun } from './in-process-run';
import type { ByType } from './node-times';
import { projectDir } from './paths';
import type { ModelSpec } from './project';
import { EVENTS } from './source-data';
import type { TemporalRun } from './temporal-run';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Milliseconds as seconds with two decimals. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** The 1-minute load average: other processes on the machine skew every figure. */
export const load = (): string => loadavg()[0].toFixed(2);

/** Counts as `key n, key n`. */
export const list = (o: Record<string, number>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const nodeTimes = (byType: ByType): string =>
  Object.entries(byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, x]) => `${type} ${x.count} × ${(x.ms / x.count).toFixed(1)} ms = ${secs(x.ms)}`)
    .join(', ');

const countBy = (models: ModelSpec[], key: 'materialized' | 'layer'): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of models) out[m[key]] = (out[m[key]] ?? 0) + 1;
  return out;
};

/** The machine, the generated project and the versions compared. */
export function printSetup(
  models: ModelSpec[],
  project: { tests: Record<string, number>; seedRows: Record<string, number> },
  threads: number,
): void {
  const { tests, seedRows } = project;
  const testTotal = Object.values(tests).reduce((a, b) => a + b, 0);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average ${load()}`,
  );
  console.log(
    `project: ${models.length} models (${list(countBy(models, 'materialized'))}; ${list(countBy(models, 'layer'))}), ${testTotal} tests (${list(tests)}), ` +
      `${Object.keys(seedRows).length} seeds (${list(seedRows)} rows), 1 source table (${fmt(EVENTS)} rows); ${projectDir}`,
  );
  console.log(
    `threads ${threads}; dbt-core ${VERSIONS.dbtCore} + dbt-duckdb ${VERSIONS.dbtDuckdb}; Temporal CLI ${VERSIONS.temporalCli} dev server (SQLite)`,
  );
}

/** One round's three runs side by side. */
export interface RoundFigures {
  dbt: DbtRun;
  ours: TemporalRun;
  inProc: InProcessRun;
  threads: number;
  models: number;
}

/** Ours through Temporal over dbt build. */
export const ratioOf = (r: RoundFigures): number => r.ours.ms / r.dbt.ms;

/** Temporal's cost: ours through Temporal minus ours in-process. */
export const overheadOf = (r: RoundFigures): number => r.ours.ms - r.inProc.ms;

/** Where each run's time went in one round, the ratio and Temporal's overhead. */
export function printRound(r: RoundFigures): void {
  const { dbt: d, ours, inProc, threads, models } = r;
  const nodes = ours.result.models.length;
  const ratio = ratioOf(r);
  const overheadMs = overheadOf(r);
  const kinds: Record<string, number> = {};
  for (const m of ours.result.models) kinds[m.type] = (kinds[m.type] ?? 0) + 1;
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
    `  Temporal scheduling overhead: ${secs(overheadMs)} = ${(overheadMs / nodes).toFixed(1)} ms per node (${nodes} nodes: ${list(kinds)}) = ${(overheadMs / models).toFixed(1)} ms per model (${models} models)`,
  );
}

/** How one of our warehouse files compares with dbt's. */
export function printComparison(label: string, c: Comparison): void {
  console.log(
    `  dbt vs ${label}: ${c.identical} relations identical row for row${c.differences.length ? `; ${c.differences.length} differ:` : ''}`,
  );
  for (const x of c.differences.slice(0, 10)) console.log(`    ${x}`);
  if (c.typeDifferences.length) {
    console.log(
      `    column types differ in ${c.typeDifferences.length} relations, e.g. ${c.typeDifferences.slice(0, 3).join('; ')}`,
    );
  }
}

/** What the checks found, or what they confirmed. */
export function printChecks(problems: string[], dbtTotal: number, ephemeralPlanned: number): void {
  if (problems.length) {
    console.log('CHECKS FAILED:');
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log(
      `checks: ours failed 0 nodes, ran the nodes dbt ran (TOTAL=${dbtTotal}${ephemeralPlanned ? ` + ${ephemeralPlanned} ephemeral no-ops` : ''}), and built the same rows`,
    );
  }
}

/** The medians over every round. */
export function printMedians(rounds: RoundFigures[]): void {
  const of = (f: (r: RoundFigures) => number) => median(rounds.map(f));
  console.log(`median over ${rounds.length} rounds:`);
  console.log(
    `  dbt build ${secs(of((r) => r.dbt.ms))}; ours through Temporal ${secs(of((r) => r.ours.ms))}; ours in-process ${secs(of((r) => r.inProc.ms))}`,
  );
  console.log(
    `  ratio ours/dbt ${of(ratioOf).toFixed(2)} (target ≤ 0.5); Temporal overhead ${of((r) => overheadOf(r) / r.ours.result.models.length).toFixed(1)} ms per node, ${of((r) => overheadOf(r) / r.models).toFixed(1)} ms per model`,
  );
}
