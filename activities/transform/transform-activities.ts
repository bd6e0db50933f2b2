import { ApplicationFailure } from '@temporalio/common';
import { isAbsolute, resolve } from 'node:path';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import { KeyedLock } from '../keyed-lock';
import { logEvent, recordMillis } from '../telemetry';
import type { Warehouse } from '../warehouse';
import { compileNode, testSql } from './compile';
import { CompileError } from './jinja';
import { readManifest, writeManifest, writeNodeSql } from './manifest-store';
import type { Manifest, ManifestNode, ResourceType, TargetInfo } from './manifest-types';
import { buildModel, relationKind, type BuildOutcome } from './materialize';
import { parseProject } from './parse-project';
import { buildSeed } from './seed';
import { runEdges, selectNodes, type DbtCommand } from './selection';
import { buildSnapshot } from './snapshot';

/** What the transform activities need from the worker. */
export interface TransformDeps {
  warehouse: Warehouse;
  /** The dbt project run when a plan names none (the platform's own, `models/`). */
  projectDir: string;
  /** dbt's `target` (schema models land in when they set none, engine name, threads). */
  target?: Partial<TargetInfo>;
}

/** Input of `planTransform`: which project, command and selection. */
export interface PlanInput {
  /** A dbt project directory; relative paths resolve against the worker's working directory. */
  projectDir?: string;
  command?: DbtCommand;
  select?: string[];
  exclude?: string[];
  /** Override project vars (dbt `--vars`). */
  vars?: Record<string, unknown>;
}

/** A node as the workflow sees it: no SQL, no rows. */
export interface PlannedNode {
  id: string;
  type: ResourceType;
  name: string;
  /** `schema.table` it builds (models, seeds, snapshots). */
  table?: string;
}

/** The plan the workflow runs: node ids and edges, and where the manifest is; never SQL or rows. */
export interface TransformPlan {
  manifestFile: string;
  checksum: string;
  nodes: PlannedNode[];
  edges: Array<[parent: string, child: string]>;
}

/** Input of `runNode`. */
export interface RunNodeInput {
  manifestFile: string;
  checksum: string;
  nodeId: string;
  /** The run's id: incremental appends and snapshots commit at most once per invocation. */
  invocationId: string;
  /** ISO time the run started (snapshot timestamps of the `check` strategy). */
  runStartedAt: string;
  fullRefresh?: boolean;
}

/** One node's outcome. Tests: `fail` when an error-severity test finds rows, `warn` for warn severity. */
export interface NodeRunResult {
  id: string;
  name: string;
  type: ResourceType;
  status: 'success' | 'warn' | 'fail';
  /** Rows in the built table, rows an incremental or snapshot inserted; failing rows of a test. */
  rows?: number;
  /** `schema.table` it built. */
  table?: string;
  message?: string;
  /** Time the node took in the warehouse. */
  ms?: number;
}

/** The default `target` of the embedded warehouse. */
export const DEFAULT_TARGET: TargetInfo = {
  name: 'edp',
  type: 'duckdb',
  schema: 'main',
  database: 'warehouse',
  threads: 4,
};

/** Parses and plans a project (no warehouse access): the manifest, the selected nodes and their edges. */
export function planProject(
  projectDir: string,
  input: PlanInput,
  target: TargetInfo = DEFAULT_TARGET,
): { manifest: Manifest; plan: TransformPlan } {
  const manifest = parseProject(projectDir, { target, vars: input.vars });
  const command = input.command ?? 'build';
  const selected = selectNodes(manifest, command, input.select, input.exclude);
  const manifestFile = writeManifest(manifest);
  const nodes = selected.map((id) => {
    const n = manifest.nodes[id];
    const table = n.relation ? `${n.relation.schema}.${n.relation.identifier}` : undefined;
    return { id, type: n.resourceType, name: n.name, ...(table ? { table } : {}) };
  });
  return {
    manifest,
    plan: { manifestFile, checksum: manifest.checksum, nodes, edges: runEdges(manifest, selected, command) },
  };
}

function badInput(err: unknown): never {
  const e = err as Error;
  if (e instanceof CompileError || e?.name === 'GraphError' || e?.name === 'CompileError') {
    throw ApplicationFailure.nonRetryable(e.message, ErrorType.BadInput);
  }
  throw err;
}

/** A test's `warn_if` / `error_if` condition (`!=0`, `>5`, `>=10`, …) as a predicate on the failure count. */
function threshold(node: ManifestNode, key: 'warn_if' | 'error_if'): (failures: number) => boolean {
  const text = String((node.config[key] as string | number | undefined) ?? '!=0').replace(/\s+/g, '');
  const m = /^(!=|<>|>=|<=|==|=|>|<)(\d+)$/.exec(text);
  if (!m) throw new CompileError(`${node.path}: test ${node.name}: ${key} '${text}' is not a comparison such as '>5'`);
  const n = Number(m[2]);
  const ops: Record<string, (f: number) => boolean> = {
    '!=': (f) => f !== n,
    '<>': (f) => f !== n,
    '>=': (f) => f >= n,
    '<=': (f) => f <= n,
    '==': (f) => f === n,
    '=': (f) => f === n,
    '>': (f) => f > n,
    '<': (f) => f < n,
  };
  return ops[m[1]];
}

/** Runs a test node: counts the rows its query returns. */
async function runTest(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  input: RunNodeInput,
): Promise<NodeRunResult> {
  const sql = testSql(manifest, node, input);
  const file = writeNodeSql(manifest, node, 'run', sql);
  const [row] = await w.query<{ failures: unknown }>(`select count(*) as failures from (\n${sql}\n) dbt_internal_test`);
  const failures = Number(row.failures);
  const severity = String(node.config.severity ?? 'error').toLowerCase();
  const base = { id: node.id, name: node.name, type: node.resourceType, rows: failures };
  // dbt: an error-severity test fails when error_if holds, else warns when warn_if holds (both default `!=0`).
  const fails = severity !== 'warn' && threshold(node, 'error_if')(failures);
  const warns = !fails && threshold(node, 'warn_if')(failures);
  if (!fails && !warns) return { ...base, status: 'success' };
  const message = `${failures} failing row${failures === 1 ? '' : 's'} (query: ${file})`;
  return { ...base, status: fails ? 'fail' : 'warn', message };
}

/** Builds the transform activities over a warehouse and the default project. */
export function createTransformActivities(deps: TransformDeps) {
  const lock = new KeyedLock();
  const target: TargetInfo = { ...DEFAULT_TARGET, ...deps.target };
  const dirOf = (p?: string) => (p ? (isAbsolute(p) ? p : resolve(p)) : deps.projectDir);
  return {
    /** Parses the project once, writes target/manifest.json, and returns the selected nodes and edges. */
    // eslint-disable-next-line @typescript-eslint/require-await -- async so project errors reject, not throw
    async planTransform(input: PlanInput = {}): Promise<TransformPlan> {
      try {
        const { plan, manifest } = planProject(dirOf(input.projectDir), input, target);
        logEvent('transform planned', {
          project: manifest.projectName,
          nodes: plan.nodes.length,
          checksum: plan.checksum.slice(0, 12),
        });
        return plan;
      } catch (err) {
        return badInput(err);
      }
    },

    /** Builds (or tests) one node of a planned manifest. Rebuilds are harmless; appends commit once per invocation. */
    async runNode(input: RunNodeInput): Promise<NodeRunResult> {
      let manifest: Manifest;
      try {
        manifest = readManifest(input.manifestFile, input.checksum);
      } catch (err) {
        return badInput(err);
      }
      const node = manifest.nodes[input.nodeId];
      if (!node) throw ApplicationFailure.nonRetryable(`unknown node "${input.nodeId}"`, ErrorType.BadInput);
      const w = deps.warehouse;
      const builds = node.relation && node.config.materialized !== 'ephemeral';
      const table = builds ? `${node.relation!.schema}.${node.relation!.identifier}` : undefined;
      return classified(`${node.resourceType} ${node.name} (${node.path})`, () =>
        withHeartbeat(() =>
          lock.run(table ?? node.id, async () => {
            const started = performance.now();
            let result: NodeRunResult;
            try {
              if (node.resourceType === 'test') {
                result = await runTest(w, manifest, node, input);
              } else {
                let built: BuildOutcome;
                if (node.resourceType === 'seed') built = await buildSeed(w, manifest, node);
                else if (node.resourceType === 'snapshot') built = await buildSnapshot(w, manifest, node, input);
                else built = await buildModel(w, manifest, node, input);
                writeNodeSql(manifest, node, 'run', built.sql);
                result = {
                  id: node.id,
                  name: node.name,
                  type: node.resourceType,
                  status: 'success',
                  rows: built.rows,
                  table,
                };
              }
            } catch (err) {
              if (err instanceof CompileError) throw ApplicationFailure.nonRetryable(err.message, ErrorType.BadInput);
              throw err;
            }
            const ms = performance.now() - started;
            result.ms = Math.round(ms);
            recordMillis(
              'edp_model_duration_ms',
              ms,
              { model: node.name, layer: node.relation?.schema ?? 'test' },
              'Model build time',
            );
            logEvent(`${node.resourceType} ${result.status}`, {
              node: node.name,
              rows: result.rows,
              ms: Math.round(ms),
            });
            return result;
          }),
        ),
      );
    },
  };
}

/** Compiles every selected node without running it (`edp dbt compile`): writes target/compiled/. */
export async function compileProject(
  w: Warehouse | undefined,
  manifest: Manifest,
  nodeIds: readonly string[],
): Promise<Array<{ id: string; file: string }>> {
  const out: Array<{ id: string; file: string }> = [];
  const options = { invocationId: 'compile', runStartedAt: new Date().toISOString() };
  for (const id of nodeIds) {
    const node = manifest.nodes[id];
    if (node.resourceType === 'seed') continue;
    let isIncremental = false;
    if (w && node.config.materialized === 'incremental' && node.relation) {
      isIncremental = (await relationKind(w, node.relation)) === 'table';
    }
    const sql =
      node.resourceType === 'test'
        ? testSql(manifest, node, options)
        : compileNode(manifest, node, { ...options, isIncremental });
    out.push({ id, file: writeNodeSql(manifest, node, 'compiled', sql) });
  }
  return out;
}

/** The transform activities as the worker registers them. */
export type TransformActivities = ReturnType<typeof createTransformActivities>;
