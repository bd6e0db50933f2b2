import { cpus, loadavg, totalmem } from 'node:os';
import { VERSIONS } from '../../infra/versions';
import { spread } from '../figures';
import type { Comparison } from './compare';
import type { DbtRun } from './dbt-run';
import type { InProcessRun } from './in-process-run';
import type { ByType } from './node-times';
import { projectDir } from './paths';
import type { ModelSpec } from './project';
import type { Latency } from './sdk-metrics';
import { EVENTS } from './source-data';
import { TOPOLOGIES, type TemporalRun, type Topology } from './temporal-run';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Milliseconds as seconds with two decimals. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

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

/** One round's runs side by side. */
export interface RoundFigures {
  dbt: DbtRun;
  ours: Record<Topology, TemporalRun>;
  inProc: InProcessRun;
  threads: number;
  models: number;
  /** Load averages before and after the round, flagged when over the core count. */
  loads: string;
}

/** Ours through Temporal over dbt build. */
export const ratioOf = (r: RoundFigures, t: Topology): number => r.ours[t].ms / r.dbt.ms;

/** Temporal's cost: ours through Temporal minus ours in-process. */
export const overheadOf = (r: RoundFigures, t: Topology): number => r.ours[t].ms - r.inProc.ms;

/** One activity's round trip through Temporal, phase by phase, averaged over the run's activities (ms). */
export function roundTripOf(
  ours: TemporalRun,
): Record<'queue' | 'delivery' | 'toTask' | 'taskQueue' | 'taskRun' | 'total', number> {
  const h = ours.history;
  // Activities only: a local activity's body runs inside a workflow task, not between an activity's started and completed.
  const body = Object.values(ours.body).reduce((n, x) => n + x.ms, 0);
  const per = (ms: number) => (h.activities ? ms / h.activities : 0);
  const phases = {
    queue: per(h.queueMs),
    delivery: per(h.runMs - body),
    toTask: per(h.toTaskScheduledMs),
    taskQueue: per(h.taskQueueMs),
    taskRun: per(h.taskRunMs),
  };
  return { ...phases, total: Object.values(phases).reduce((a, b) => a + b, 0) };
}

/** The history's breakdown of where an activity's round trip goes outside its body. */
function printRoundTrip(ours: TemporalRun): void {
  const h = ours.history;
  const p = roundTripOf(ours);
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  console.log(
    `    history (${fmt(h.events)} events, server clock), per activity (${h.activities}; ${h.instant} started as scheduled, i.e. eagerly): ` +
      `scheduled → started ${ms(p.queue)}; started → completed outside the body ${ms(p.delivery)}; ` +
      `completed → workflow task scheduled ${ms(p.toTask)}; → started ${ms(p.taskQueue)}; → completed ${ms(p.taskRun)} ` +
      `(= next activities scheduled); round trip outside the body ${ms(p.total)}`,
  );
  console.log(
    `    ${h.workflowTasks} workflow tasks of ${ms(h.workflowTaskMs / h.workflowTasks)} (${(h.activities / h.workflowTasks).toFixed(2)} activity results each); ${h.localActivities} local activities`,
  );
  const avg = (l: Latency) => `${l.count} × ${ms(l.ms / (l.count || 1))}`;
  console.log(
    `    worker side (SDK metrics): workflow task execution ${avg(ours.sdk.workflowTaskExecution)}, activity execution ${avg(ours.sdk.activityExecution)}; ` +
      `server answering RespondWorkflowTaskCompleted ${avg(ours.sdk.respondWorkflowTask)}, RespondActivityTaskCompleted ${avg(ours.sdk.respondActivityTask)}`,
  );
}

/** Where each run's time went in one round, the ratios and Temporal's overhead. */
export function printRound(r: RoundFigures): void {
  const { dbt: d, inProc, threads } = r;
  console.log(`  ${r.loads}`);
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
    `  ours in-process, no Temporal (planTransform + runNode, same scheduling, ${threads} at once): ${secs(inProc.ms)}  (${inProc.nodes} nodes, ${inProc.failed} failed)`,
  );
  console.log(
    `    plan (parse + manifest): ${secs(inProc.planMs)}; runNode time by type: ${nodeTimes(inProc.byType)}; CPU ${secs(inProc.cpuMs)}`,
  );
  for (const t of Object.keys(TOPOLOGIES) as Topology[]) printTemporalRun(r, t);
}

/** One transform workflow run through Temporal: its time, where it went, its ratio to dbt and its overhead. */
function printTemporalRun(r: RoundFigures, t: Topology): void {
  const ours = r.ours[t];
  const nodes = ours.result.models.length;
  const ratio = ratioOf(r, t);
  const overheadMs = overheadOf(r, t);
  const kinds: Record<string, number> = {};
  for (const m of ours.result.models) kinds[m.type] = (kinds[m.type] ?? 0) + 1;
  console.log(
    `  ours through Temporal, ${t} (${TOPOLOGIES[t]}), start → result: ${secs(ours.ms)}  (${nodes} nodes, ${ours.result.failed} failed)`,
  );
  console.log(`    inside the activity functions, by type: ${nodeTimes(ours.body)}`);
  if (Object.keys(ours.localBody).length)
    console.log(`    inside the local activity functions, by type: ${nodeTimes(ours.localBody)}`);
  printRoundTrip(ours);
  console.log(
    `    CPU during the run: this process (worker, workflow threads, DuckDB) ${secs(ours.workerCpuMs)}, Temporal dev server ${ours.serverCpuMs === undefined ? '?' : secs(ours.serverCpuMs)}`,
  );
  console.log(
    `    ratio to dbt: ${ratio.toFixed(2)} (target ≤ 0.15: ${ratio <= 0.15 ? 'met' : 'NOT met'}); in-process / dbt: ${(r.inProc.ms / r.dbt.ms).toFixed(2)}`,
  );
  console.log(
    `    Temporal overhead: ${secs(overheadMs)} = ${(overheadMs / nodes).toFixed(1)} ms per node (${nodes} nodes: ${list(kinds)}) = ${(overheadMs / r.models).toFixed(1)} ms per model (${r.models} models)`,
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

/** Median, min and max over every round of each figure. */
export function printMedians(rounds: RoundFigures[]): void {
  const of = (f: (r: RoundFigures) => number, digits = 2) => spread(rounds.map(f), digits);
  console.log(`over ${rounds.length} rounds:`);
  console.log(`  dbt build (s): ${of((r) => r.dbt.ms / 1000)}`);
  console.log(`  ours in-process (s): ${of((r) => r.inProc.ms / 1000)}`);
  for (const t of Object.keys(TOPOLOGIES) as Topology[]) {
    const trip = (k: keyof ReturnType<typeof roundTripOf>) => of((r) => roundTripOf(r.ours[t])[k]);
    console.log(`  ours through Temporal, ${t} (${TOPOLOGIES[t]}) (s): ${of((r) => r.ours[t].ms / 1000)}`);
    console.log(`    ratio to dbt (target ≤ 0.15): ${of((r) => ratioOf(r, t))}`);
    console.log(
      `    Temporal overhead, ms per node (target ≤ 2): ${of((r) => overheadOf(r, t) / r.ours[t].result.models.length, 1)}`,
    );
    console.log(`    Temporal overhead, ms per model: ${of((r) => overheadOf(r, t) / r.models, 1)}`);
    console.log(`    activity round trip outside the body (ms): ${trip('total')}`);
    console.log(`      scheduled → started: ${trip('queue')}`);
    console.log(`      started → completed, outside the body: ${trip('delivery')}`);
    console.log(`      completed → workflow task scheduled: ${trip('toTask')}`);
    console.log(`      workflow task scheduled → started: ${trip('taskQueue')}`);
    console.log(`      workflow task started → completed: ${trip('taskRun')}`);
  }
  console.log(`  load average at the end ${load()}`);
}
