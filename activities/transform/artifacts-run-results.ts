import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DBT_ARTIFACTS_VERSION, type DbtJson } from './artifacts-manifest';
import { readProjectFile } from './project-files';

/** `metadata.dbt_schema_version` of dbt's run_results.json. */
export const RUN_RESULTS_SCHEMA = 'https://schemas.getdbt.com/dbt/run-results/v6.json';

/** How one node of a run ended, as the transform workflow reports it. */
export interface NodeOutcome {
  id: string;
  type: string;
  status: 'success' | 'error' | 'skipped' | 'warn' | 'fail';
  rows?: number;
  durationMs?: number;
  error?: string;
}

/** What a command ran: its name, arguments and when it started. */
export interface RunDescription {
  command: string;
  startedAt: Date;
  args: Record<string, unknown>;
}

const TESTS = new Set(['test', 'unit_test']);

/** dbt's status words: models `success`/`error`/`skipped`, tests `pass`/`fail`/`warn`/`error`/`skipped`. */
function dbtStatus(n: NodeOutcome): string {
  if (n.status === 'error' || n.status === 'skipped') return n.status;
  if (TESTS.has(n.type)) return n.status === 'success' ? 'pass' : n.status;
  return n.status === 'warn' ? 'success' : n.status;
}

/** One run's results in dbt's run_results.json shape (schema v6); `relations` names each node's relation (`relation_name`). */
export function dbtRunResults(
  nodes: readonly NodeOutcome[],
  run: RunDescription,
  finishedAt = new Date(),
  relations: Readonly<Record<string, string | null>> = {},
): DbtJson {
  return {
    metadata: {
      dbt_schema_version: RUN_RESULTS_SCHEMA,
      dbt_version: DBT_ARTIFACTS_VERSION,
      generated_at: finishedAt.toISOString(),
      invocation_id: randomUUID(),
      invocation_started_at: run.startedAt.toISOString(),
      env: {},
    },
    results: nodes.map((n) => {
      const test = TESTS.has(n.type);
      const seconds = (n.durationMs ?? 0) / 1000;
      return {
        status: dbtStatus(n),
        timing: [],
        thread_id: 'Thread-1',
        execution_time: seconds,
        adapter_response: test || n.rows === undefined ? {} : { _message: 'OK', rows_affected: n.rows },
        message: n.error ?? (test ? null : n.status === 'success' ? 'OK' : null),
        failures: test ? (n.rows ?? null) : null,
        unique_id: n.id,
        compiled: null,
        compiled_code: null,
        relation_name: relations[n.id] ?? null,
        batch_results: null,
      };
    }),
    elapsed_time: (finishedAt.getTime() - run.startedAt.getTime()) / 1000,
    args: { which: run.command, ...run.args },
  };
}

/** Writes `run_results.json` into the project's target folder, as dbt does after every command that runs nodes. */
export function writeRunResults(projectDir: string, nodes: readonly NodeOutcome[], run: RunDescription): string {
  const { targetPath } = readProjectFile(projectDir);
  const dir = isAbsolute(targetPath) ? targetPath : join(projectDir, targetPath);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'run_results.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(dbtRunResults(nodes, run, new Date(), relationNames(dir))));
  renameSync(tmp, file);
  return file;
}

/**
 * Each node's `relation_name` in the manifest.json beside (a test's audit relation when it stores failures);
 * dbt-core leaves a seed's result without one.
 */
function relationNames(dir: string): Record<string, string | null> {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return {};
  type Node = { resource_type: string; relation_name?: string | null };
  const { nodes } = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Record<string, Node> };
  return Object.fromEntries(
    Object.entries(nodes).map(([id, n]) => [id, n.resource_type === 'seed' ? null : (n.relation_name ?? null)]),
  );
}
