import { ApplicationFailure } from '@temporalio/common';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { GovernanceConfig } from '../../lib/config/schema';
import { classified, classifyError, ErrorType, ProjectError } from '../errors';
import { governModel, type BuiltModel } from '../governance';
import { withHeartbeat } from '../heartbeat';
import { KeyedLock } from '../keyed-lock';
import { logEvent, recordMillis } from '../telemetry';
import type { Warehouse } from '../warehouse';
import { failCalcOf, prefetchNodeQueries, testLimitClause, testSql } from './compile';
import { templateQuery } from './compile-project';
import { CompileError } from './jinja';
import { loadManifest, shareManifest, writeNodeSql } from './manifest-store';
import type { Manifest, ManifestNode, ResourceType, TargetInfo, UnitTest } from './manifest-types';
import { buildModel, dropEarlierScratch, relationKind, type BuildOutcome } from './materialize';
import { applyGrants, grantsOf, type GrantsOutcome } from './grants';
import { buildExternal } from './external';
import { DEFAULT_TARGET, planProject, type PlanInput, type TransformPlan } from './plan';
import { buildSeed } from './seed';
import { storeFailures } from './store-failures';
import { persistDocs } from './persist-docs';
import { buildSnapshot } from './snapshot';
import { runProjectHooks, withNodeHooks, type RunHooksInput } from './hooks';
import { runUnitTest, type UnitTestOutcome } from './unit-tests';
import { enforceContract } from './contracts';
import { hasEnforcedContract } from './parse/parse-checks';
import { createRunResultsActivities, type NodeTiming } from './artifacts-run-results';
import { runBatch, type BatchNodeResult, type RunNodesInput } from './node-batch';

export { DEFAULT_TARGET, planProject, type PlanInput, type PlannedNode, type TransformPlan } from './plan';
export type { RunHookResult, RunHooksInput } from './hooks';
export type { BatchNodeResult, RunNodesInput } from './node-batch';

/** What the transform activities need from the worker. */
export interface TransformDeps {
  warehouse: Warehouse;
  /** The dbt project run when a plan names none (the platform's own, `models/`). */
  projectDir: string;
  /** dbt's `target` (schema models land in when they set none, engine name, threads). */
  target?: Partial<TargetInfo>;
  /** PHI governance applied to each model right after its build and tests. */
  governance?: GovernanceConfig;
  /** Where this worker caches manifests planned elsewhere. @default `<projectDir>/target/manifests` */
  manifestCacheDir?: string;
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
  /** dbt's `--store-failures`: tests that configure neither `store_failures` nor `store_failures_as` store theirs. */
  storeFailures?: boolean;
  /** Tests to run right after the node, in this activity (see `planProject`). */
  tests?: string[];
}

/** One node's outcome. Tests: `fail` when an error-severity test finds rows, `warn` for warn severity. */
export interface NodeRunResult {
  id: string;
  name: string;
  type: ResourceType | 'unit_test';
  /** `error` only for a bundled test whose query failed (bad SQL); the message says why. */
  status: 'success' | 'warn' | 'fail' | 'error';
  /** Rows in the built table, rows an incremental or snapshot inserted; failing rows of a test. */
  rows?: number;
  /** `schema.table` it built (a test storing failures: its audit relation). */
  table?: string;
  message?: string;
  /** Time the node took in the warehouse. */
  ms?: number;
  /** Results of the tests run with it, in order. */
  tests?: NodeRunResult[];
  /** Its `grants` config and the grant / revoke statements run (none on an engine that does not apply grants). */
  grants?: GrantsOutcome;
  /** dbt's phases: compile (the queries its Jinja reads, run ahead) and execute (the build or the test query). */
  timing?: NodeTiming[];
}

/** A node's compile and execute phases, from three instants. */
function timingOf(compileStarted: Date, executeStarted: Date, done: Date): NodeTiming[] {
  return [
    { name: 'compile', startedAt: compileStarted.toISOString(), completedAt: executeStarted.toISOString() },
    { name: 'execute', startedAt: executeStarted.toISOString(), completedAt: done.toISOString() },
  ];
}

/** Builds a seed, snapshot or model (its enforced contract checked first). */
async function buildNode(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  input: RunNodeInput,
): Promise<BuildOutcome> {
  if (node.resourceType === 'seed') return buildSeed(w, manifest, node, input);
  if (node.resourceType === 'snapshot') return buildSnapshot(w, manifest, node, input);
  const build = node.config.materialized === 'external' ? buildExternal : buildModel;
  if (hasEnforcedContract(node)) await enforceContract(w, manifest, node, input);
  return build(w, manifest, node, input);
}

/** Whether a build replaces the node's relation (grants on it go), or keeps it (snapshots, incremental runs). */
function replacesRelation(node: ManifestNode, input: RunNodeInput): boolean {
  if (node.resourceType === 'snapshot') return false;
  const fullRefresh = input.fullRefresh && node.config.full_refresh !== false;
  return node.config.materialized !== 'incremental' || Boolean(fullRefresh);
}

/** Project errors already say `file:line`; they reach the workflow without the node's context. */
function badInput(err: unknown): never {
  if (err instanceof ProjectError) throw classifyError(err);
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

/** Runs a test node: counts the rows its query returns, up to its `limit` (from its audit relation when it stores them). */
async function runTest(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  input: RunNodeInput,
): Promise<NodeRunResult> {
  const sql = testSql(manifest, node, input);
  const file = writeNodeSql(manifest, node, 'run', sql);
  const stored = await storeFailures(w, manifest, node, sql, input.storeFailures);
  const [row] = await w.query<{ failures: unknown }>(
    `select ${failCalcOf(node)} as failures from (\n${stored ?? sql}${testLimitClause(node)}\n) dbt_internal_test`,
  );
  const failures = Number(row.failures);
  const severity = String(node.config.severity ?? 'error').toLowerCase();
  const audit = stored && node.auditRelation;
  const base = {
    id: node.id,
    name: node.name,
    type: node.resourceType,
    rows: failures,
    ...(audit ? { table: `${audit.schema}.${audit.identifier}` } : {}),
  };
  // dbt: an error-severity test fails when error_if holds, else warns when warn_if holds (both default `!=0`).
  const fails = severity !== 'warn' && threshold(node, 'error_if')(failures);
  const warns = !fails && threshold(node, 'warn_if')(failures);
  if (!fails && !warns) return { ...base, status: 'success' };
  const message = `${failures} failing row${failures === 1 ? '' : 's'} (query: ${file})`;
  return { ...base, status: fails ? 'fail' : 'warn', message };
}

/**
 * The tests planned into a node's activity. A test whose query is bad SQL reports `error` (the others
 * still run); a transient failure throws, and the retried activity rebuilds idempotently.
 */
async function runBundledTests(w: Warehouse, manifest: Manifest, input: RunNodeInput): Promise<NodeRunResult[]> {
  const out: NodeRunResult[] = [];
  for (const id of input.tests ?? []) {
    const test = manifest.nodes[id];
    if (!test) throw ApplicationFailure.nonRetryable(`unknown test "${id}"`, ErrorType.BadInput);
    const started = performance.now();
    try {
      const compileStarted = new Date();
      await prefetchNodeQueries(manifest, test, input, templateQuery(w));
      const executeStarted = new Date();
      const r = await runTest(w, manifest, test, input);
      const timing = timingOf(compileStarted, executeStarted, new Date());
      out.push({ ...r, ms: Math.round(performance.now() - started), timing });
    } catch (err) {
      const failure = err instanceof ProjectError ? undefined : classifyError(err, `test ${test.name} (${test.path})`);
      if (failure && !failure.nonRetryable) throw failure;
      const message = failure?.message ?? (err as Error).message;
      out.push({
        id,
        name: test.name,
        type: 'test',
        status: 'error',
        message,
        ms: Math.round(performance.now() - started),
      });
    }
  }
  return out;
}

/** A model build as governance reads it; none for seeds, snapshots, ephemeral models and a retry's committed append. */
function builtModel(manifest: Manifest, node: ManifestNode, built: BuildOutcome): BuiltModel | undefined {
  if (node.resourceType !== 'model' || !node.relation || built.alreadyDone) return undefined;
  const materialized = node.config.materialized ?? 'view';
  if (materialized === 'ephemeral') return undefined;
  return {
    relation: node.relation,
    materialized,
    columns: node.columns,
    path: node.path,
    sql: built.sql,
    reads: node.dependsOn.flatMap((id) => manifest.sources[id]?.relation ?? manifest.nodes[id]?.relation ?? []),
  };
}

/** Runs a dbt unit test as a node: `fail` when the model's output differs from the expected rows. */
function runUnitTestNode(
  w: Warehouse,
  manifest: Manifest,
  unit: UnitTest,
  input: RunNodeInput,
): Promise<NodeRunResult> {
  const name = `${manifest.nodes[unit.model].name}::${unit.name}`;
  return classified(`unit test ${name} (${unit.path}:${unit.line})`, () =>
    withHeartbeat(async () => {
      const started = performance.now();
      let r: UnitTestOutcome;
      try {
        r = await runUnitTest(w, manifest, unit, input);
      } catch (err) {
        return badInput(err);
      }
      const ms = Math.round(performance.now() - started);
      logEvent(`unit test ${r.passed ? 'success' : 'fail'}`, { node: name, ms });
      return {
        id: unit.id,
        name,
        type: 'unit_test',
        status: r.passed ? 'success' : 'fail',
        rows: r.differing,
        ...(r.message ? { message: r.message } : {}),
        ms,
      };
    }),
  );
}

/** Builds the transform activities over a warehouse and the default project. */
export function createTransformActivities(deps: TransformDeps) {
  const lock = new KeyedLock();
  const target: TargetInfo = { ...DEFAULT_TARGET, ...deps.target };
  const dirOf = (p?: string) => (p ? (isAbsolute(p) ? p : resolve(p)) : deps.projectDir);
  const cacheDir = deps.manifestCacheDir ?? join(deps.projectDir, 'target', 'manifests');
  /** Builds (or tests) one node of a loaded manifest, its bundled tests after it; the caller heartbeats. */
  const buildOne = async (manifest: Manifest, input: RunNodeInput): Promise<NodeRunResult> => {
    const unit = manifest.unitTests?.[input.nodeId];
    if (unit) return runUnitTestNode(deps.warehouse, manifest, unit, input);
    const node = manifest.nodes[input.nodeId];
    if (!node) throw ApplicationFailure.nonRetryable(`unknown node "${input.nodeId}"`, ErrorType.BadInput);
    const w = deps.warehouse;
    const builds = node.relation && node.config.materialized !== 'ephemeral';
    const table = builds ? `${node.relation!.schema}.${node.relation!.identifier}` : undefined;
    return classified(`${node.resourceType} ${node.name} (${node.path})`, () =>
      lock.run(table ?? node.id, async () => {
        const started = performance.now();
        const compileStarted = new Date();
        let executeStarted = compileStarted;
        let result: NodeRunResult;
        let governed: BuiltModel | undefined;
        try {
          await prefetchNodeQueries(manifest, node, input, templateQuery(w));
          executeStarted = new Date();
          if (node.resourceType === 'test') {
            result = await runTest(w, manifest, node, input);
          } else {
            let grants: GrantsOutcome | undefined;
            const built: BuildOutcome = await withNodeHooks(w, manifest, node, input, async () => {
              const existed = grantsOf(node) && builds ? (await relationKind(w, node.relation!)) !== undefined : false;
              const out = await buildNode(w, manifest, node, input);
              await persistDocs(w, manifest, node);
              await dropEarlierScratch(w, node, input.invocationId);
              grants = await applyGrants(w, manifest, node, { existed, replaced: replacesRelation(node, input) });
              return out;
            });
            governed = builtModel(manifest, node, built);
            writeNodeSql(manifest, node, 'run', built.sql);
            result = {
              id: node.id,
              name: node.name,
              type: node.resourceType,
              status: 'success',
              rows: built.rows,
              table,
              ...(grants ? { grants } : {}),
            };
          }
        } catch (err) {
          return badInput(err);
        }
        const ms = performance.now() - started;
        result.ms = Math.round(ms);
        result.timing = timingOf(compileStarted, executeStarted, new Date());
        if (input.tests?.length) result.tests = await runBundledTests(w, manifest, input);
        if (deps.governance && governed) await governModel(w, deps.governance, governed);
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
    );
  };
  return {
    // run_results.json of runs whose project this worker does not see: beside its manifest cache.
    ...createRunResultsActivities({
      warehouse: deps.warehouse,
      cacheDir,
      runResultsDir: join(dirname(cacheDir), 'run_results'),
    }),
    /**
     * Parses the project once, writes target/manifest.json, stores the manifest in the warehouse for the
     * other workers, and returns the selected nodes and edges.
     */
    async planTransform(input: PlanInput = {}): Promise<TransformPlan> {
      try {
        const { plan, manifest } = planProject(dirOf(input.projectDir), input, target);
        await shareManifest(deps.warehouse, manifest, cacheDir);
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
        manifest = await loadManifest(deps.warehouse, input, cacheDir);
      } catch (err) {
        return badInput(err);
      }
      // A unit test heartbeats on its own (runUnitTestNode).
      if (manifest.unitTests?.[input.nodeId]) return buildOne(manifest, input);
      return withHeartbeat(() => buildOne(manifest, input));
    },

    /**
     * Builds several nodes of a planned manifest in one activity, in the given order (a node after its
     * parents): a node whose build fails for good is reported `error` and its descendants in the batch
     * `skipped`, the others still run. A transient failure fails the activity; its retry skips the nodes the
     * earlier attempt reported in its heartbeats (their results stand) and rebuilds the rest.
     */
    async runNodes(input: RunNodesInput): Promise<BatchNodeResult[]> {
      let manifest: Manifest;
      try {
        manifest = await loadManifest(deps.warehouse, input, cacheDir);
      } catch (err) {
        return badInput(err);
      }
      return runBatch(input, (node) => buildOne(manifest, node));
    },

    /** Runs the project's `on-run-start` or `on-run-end` hooks; a retry skips those already committed. */
    async runProjectHooks(input: RunHooksInput): Promise<{ hooks: number; ms: number }> {
      let manifest: Manifest;
      try {
        manifest = await loadManifest(deps.warehouse, input, cacheDir);
      } catch (err) {
        return badInput(err);
      }
      return classified(`${input.kind} hooks (dbt_project.yml)`, () =>
        withHeartbeat(async () => {
          const started = performance.now();
          try {
            const hooks = await runProjectHooks(deps.warehouse, manifest, input);
            return { hooks, ms: Math.round(performance.now() - started) };
          } catch (err) {
            return badInput(err);
          }
        }),
      );
    },
  };
}

/** The transform activities as the worker registers them. */
export type TransformActivities = ReturnType<typeof createTransformActivities>;
