import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { activityContext } from '../heartbeat';
import type { Warehouse } from '../warehouse';
import { DBT_ARTIFACTS_VERSION, nodeRelationName, type DbtJson } from './artifacts-manifest';
import { loadManifest, nodeSqlFile, targetDir, type ManifestRef } from './manifest-store';
import type { Manifest } from './manifest-types';
import { readProjectFile } from './project-files';

/** `metadata.dbt_schema_version` of dbt's run_results.json. */
export const RUN_RESULTS_SCHEMA = 'https://schemas.getdbt.com/dbt/run-results/v6.json';

/** One phase of a node's run, as dbt's `timing` lists it (ISO times). */
export interface NodeTiming {
  name: 'compile' | 'execute';
  startedAt: string;
  completedAt: string;
}

/** How one node of a run ended, as the transform workflow reports it. */
export interface NodeOutcome {
  id: string;
  type: string;
  status: 'success' | 'error' | 'skipped' | 'warn' | 'fail';
  rows?: number;
  durationMs?: number;
  error?: string;
  /** Its compile and execute phases, when the node ran. */
  timing?: NodeTiming[];
}

/** What a command ran: its name, arguments and when it started. */
export interface RunDescription {
  command: string;
  startedAt: Date;
  args: Record<string, unknown>;
  /** dbt's `invocation_id`; a fresh one when omitted. */
  invocationId?: string;
  /** dbt's `metadata.env` (the run that wrote the file: {@link RUN_RESULTS_WORKFLOW_ENV}). */
  env?: Record<string, string>;
}

/** `metadata.env` keys naming the transform run whose results a stored run_results.json holds. */
export const RUN_RESULTS_WORKFLOW_ENV = { workflowId: 'EDP_WORKFLOW_ID', runId: 'EDP_RUN_ID' } as const;

/** What the manifest says of a node that dbt repeats in its result: compiled SQL and relation. */
interface NodeDetails {
  compiledCode: string | null;
  relationName: string | null;
}

const TESTS = new Set(['test', 'unit_test']);

/** dbt's status words: models `success`/`error`/`skipped`, tests `pass`/`fail`/`warn`/`error`/`skipped`. */
function dbtStatus(n: NodeOutcome): string {
  if (n.status === 'error' || n.status === 'skipped') return n.status;
  if (TESTS.has(n.type)) return n.status === 'success' ? 'pass' : n.status;
  return n.status === 'warn' ? 'success' : n.status;
}

/** One run's results in dbt's run_results.json shape (schema v6); `details` adds compiled SQL and relations. */
export function dbtRunResults(
  nodes: readonly NodeOutcome[],
  run: RunDescription,
  finishedAt = new Date(),
  details: (id: string) => NodeDetails | undefined = () => undefined,
): DbtJson {
  return {
    metadata: {
      dbt_schema_version: RUN_RESULTS_SCHEMA,
      dbt_version: DBT_ARTIFACTS_VERSION,
      generated_at: finishedAt.toISOString(),
      invocation_id: run.invocationId ?? randomUUID(),
      invocation_started_at: run.startedAt.toISOString(),
      env: run.env ?? {},
    },
    results: nodes.map((n) => {
      const test = TESTS.has(n.type);
      const seconds = (n.durationMs ?? 0) / 1000;
      const d = details(n.id);
      return {
        status: dbtStatus(n),
        timing: (n.timing ?? []).map((t) => ({
          name: t.name,
          started_at: t.startedAt,
          completed_at: t.completedAt,
        })),
        thread_id: 'Thread-1',
        execution_time: seconds,
        adapter_response: test || n.rows === undefined ? {} : { _message: 'OK', rows_affected: n.rows },
        message: n.error ?? (test ? null : n.status === 'success' ? 'OK' : null),
        failures: test ? (n.rows ?? null) : null,
        unique_id: n.id,
        compiled: d?.compiledCode ? true : null,
        compiled_code: d?.compiledCode ?? null,
        // dbt-core names no relation in a seed's result; a test's is its audit relation when it stores failures.
        relation_name: n.type === 'seed' ? null : (d?.relationName ?? null),
        batch_results: null,
      };
    }),
    elapsed_time: (finishedAt.getTime() - run.startedAt.getTime()) / 1000,
    args: { which: run.command, ...run.args },
  };
}

/** Writes a file whole or not at all; two writers of the same file each rename their own temporary file. */
function writeWhole(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes `run_results.json` into the project's target folder, as dbt does after every command that runs nodes. */
export function writeRunResults(projectDir: string, nodes: readonly NodeOutcome[], run: RunDescription): string {
  const file = runResultsFile(projectDir);
  writeWhole(file, JSON.stringify(dbtRunResults(nodes, run)));
  return file;
}

/** Where dbt writes a project's run_results.json: `<target-path>/run_results.json`. */
export function runResultsFile(projectDir: string): string {
  const { targetPath } = readProjectFile(projectDir);
  return join(isAbsolute(targetPath) ? targetPath : join(projectDir, targetPath), 'run_results.json');
}

/** Copies a stored run_results.json whole to `file` (its folder created). */
export function copyRunResults(from: string, file: string): void {
  writeWhole(file, readFileSync(from, 'utf8'));
}

/**
 * The run_results.json the transform run `workflowId` / `runId` stored itself (`stored`: the run's result),
 * when this host can read it and it is still that run's (a later run rewrites the project's target/);
 * otherwise why not.
 */
export function storedRunResultsOf(
  stored: RunResultsStored | undefined,
  workflowId: string,
  runId: string,
): { file: string } | { missing: string } {
  const files = [stored?.file, stored?.copy].filter((f): f is string => !!f);
  if (!files.length) return { missing: 'the run stored none (started before it did, or it could not write one)' };
  const readable = files.filter((f) => existsSync(f));
  if (!readable.length) return { missing: `${files.join(' and ')} is not on this host` };
  const { workflowId: wfKey, runId: runKey } = RUN_RESULTS_WORKFLOW_ENV;
  for (const file of readable) {
    try {
      const env = (JSON.parse(readFileSync(file, 'utf8')) as { metadata?: { env?: Record<string, unknown> } }).metadata
        ?.env;
      if (env?.[wfKey] === workflowId && env[runKey] === runId) return { file };
    } catch {
      // Not JSON (a half-copied file, someone else's): not this run's.
    }
  }
  return { missing: `${readable.join(' and ')} now holds another run's results` };
}

/** Input of the `storeRunResults` activity: the run's node outcomes (ids and counts, never rows) and its manifest. */
export interface StoreRunResultsInput extends ManifestRef {
  workflowId: string;
  /** dbt's `invocation_id`, fixed by the workflow so every attempt writes the same file. */
  invocationId: string;
  command: string;
  /** ISO times of the run's start and end, from the workflow. */
  startedAt: string;
  finishedAt: string;
  args: Record<string, unknown>;
  nodes: NodeOutcome[];
  /** The run's `--store-failures`: every test's result names its audit relation, as dbt-core's do. */
  storeFailures?: boolean;
}

/** Where `storeRunResults` wrote: the project's target/run_results.json, or the copy kept by workflow id. */
export interface RunResultsStored {
  file?: string;
  copy?: string;
}

/** A node's compiled SQL as this run wrote it on this host (an older file is an earlier run's). */
function compiledCode(manifest: Manifest, id: string, since: number): string | null {
  const node = manifest.nodes[id];
  if (!node) return null;
  const file = nodeSqlFile(manifest, node, 'run');
  if (!existsSync(file) || statSync(file).mtimeMs < since) return null;
  return readFileSync(file, 'utf8').replace(/\n$/, '');
}

/** The run writing the file, so `edp dbt run-results` can tell it from a later run's (a retry writes the same). */
function runEnv(workflowId: string): Record<string, string> {
  const runId = activityContext()?.info.workflowExecution?.runId;
  const { workflowId: wfKey, runId: runKey } = RUN_RESULTS_WORKFLOW_ENV;
  return { [wfKey]: workflowId, ...(runId ? { [runKey]: runId } : {}) };
}

/** A workflow id as a file name (pipeline steps' ids carry an interval's colons). */
const fileNameOf = (workflowId: string) => workflowId.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * The activity that writes a transform run's run_results.json at its end: into the project's target/ when
 * this worker sees the project, else as `<runResultsDir>/<workflow id>.json`. The same input always writes
 * the same bytes, so a retry or a second worker rewrites the same file; a folder it cannot write is
 * warned about, never a failed run.
 */
export function createRunResultsActivities(deps: { warehouse: Warehouse; cacheDir: string; runResultsDir: string }) {
  return {
    /** Writes the run's run_results.json (see {@link createRunResultsActivities}). */
    async storeRunResults(input: StoreRunResultsInput): Promise<RunResultsStored> {
      const manifest = await loadManifest(deps.warehouse, input, deps.cacheDir);
      // Files written before the run started (minus clock skew between hosts) belong to an earlier run.
      const since = Date.parse(input.startedAt) - 60_000;
      const text = JSON.stringify(
        dbtRunResults(
          input.nodes,
          {
            command: input.command,
            startedAt: new Date(input.startedAt),
            args: input.args,
            invocationId: input.invocationId,
            env: runEnv(input.workflowId),
          },
          new Date(input.finishedAt),
          (id) => ({
            compiledCode: compiledCode(manifest, id, since),
            relationName: manifest.nodes[id]
              ? nodeRelationName(manifest, manifest.nodes[id], input.storeFailures)
              : null,
          }),
        ),
      );
      const tryWrite = (file: string): string | undefined => {
        try {
          writeWhole(file, text);
          return file;
        } catch (err) {
          activityContext()?.log.warn('run_results.json not written', { file, error: (err as Error).message });
          return undefined;
        }
      };
      if (existsSync(join(manifest.projectDir, 'dbt_project.yml'))) {
        const file = tryWrite(join(targetDir(manifest), 'run_results.json'));
        if (file) return { file };
      }
      const copy = tryWrite(join(deps.runResultsDir, `${fileNameOf(input.workflowId)}.json`));
      return copy ? { copy } : {};
    },
  };
}
