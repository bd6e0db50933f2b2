/**
 * The transform step's limit: the SQL the pipeline's transform ran (run_results.json's compiled code), run
 * straight in DuckDB on a copy of the warehouse as it was after the run, one node after the other on one
 * connection: each model (an incremental one too) as `create or replace table … as` its compiled SELECT (a
 * view as a view), each test as the count of its rows; snapshots stay as the run left them. Neither Temporal,
 * nor the quality rules the step runs on some tables, nor parallel nodes.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** What the limit ran and took. */
export interface TransformLimit {
  nodes: number;
  seconds: number;
  cpuSeconds: number;
  /** Seconds and CPU seconds by node kind: `table`, `view`, `test`. */
  byKind: Record<string, { nodes: number; seconds: number; cpuSeconds: number }>;
  /** The nodes that took longest, slowest first. */
  slowest: Array<{ name: string; seconds: number; cpuSeconds: number }>;
}

interface RunResult {
  unique_id: string;
  status: string;
  compiled_code?: string;
  relation_name?: string;
  timing?: Array<{ name: string; started_at: string }>;
}

/**
 * Runs the nodes of `runResultsFile` that succeeded (or warned) in the order they started, against a copy of
 * `warehouseFile` in `dir` (the copy keeps the file's name: relations name its catalog), with the manifest
 * (`manifestFile`) saying each model's materialization; `settings` are DuckDB's, as the worker would open it with.
 */
export async function transformLimit(
  warehouseFile: string,
  runResultsFile: string,
  manifestFile: string,
  dir: string,
  settings: Record<string, string> = {},
): Promise<TransformLimit> {
  const results = (JSON.parse(readFileSync(runResultsFile, 'utf8')) as { results: RunResult[] }).results;
  const nodes = (
    JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      nodes: Record<string, { config: { materialized?: string } }>;
    }
  ).nodes;
  const started = (r: RunResult) => r.timing?.find((t) => t.name === 'execute')?.started_at ?? '';
  const runnable = results
    .filter((r) => r.compiled_code && !r.unique_id.startsWith('snapshot.'))
    .filter((r) => ['success', 'pass', 'warn', 'fail'].includes(r.status))
    .sort((a, b) => started(a).localeCompare(started(b)));
  const copy = join(dir, warehouseFile.split('/').pop()!);
  rmSync(copy, { force: true });
  copyFileSync(warehouseFile, copy);
  const instance = await DuckDBInstance.create(copy, { checkpoint_threshold: '256MB', ...settings });
  const c = await instance.connect();
  const byKind: TransformLimit['byKind'] = {};
  const times: TransformLimit['slowest'] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    for (const r of runnable) {
      const isTest = r.unique_id.startsWith('test.');
      const materialized = nodes[r.unique_id]?.config.materialized ?? 'table';
      const kind = isTest ? 'test' : materialized === 'view' ? 'view' : 'table';
      const sql = isTest
        ? `select count(*) from (\n${r.compiled_code}\n) t`
        : `create or replace ${kind} ${r.relation_name} as\n${r.compiled_code}`;
      const t = performance.now();
      const cpu = process.cpuUsage();
      await c.run(sql);
      const used = process.cpuUsage(cpu);
      const x = { seconds: (performance.now() - t) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
      const k = (byKind[kind] ??= { nodes: 0, seconds: 0, cpuSeconds: 0 });
      k.nodes++;
      k.seconds += x.seconds;
      k.cpuSeconds += x.cpuSeconds;
      times.push({ name: r.unique_id.split('.').slice(2).join('.'), ...x });
    }
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  const used = process.cpuUsage(cpu0);
  rmSync(copy, { force: true });
  rmSync(`${copy}.wal`, { force: true });
  return {
    nodes: runnable.length,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    byKind,
    slowest: times.sort((a, b) => b.seconds - a.seconds).slice(0, 5),
  };
}
