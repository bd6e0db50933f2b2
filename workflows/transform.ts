import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LineageEventInput, LineageRunRef } from '../activities/lineage';
import type {
  BatchNodeResult,
  DbtCommand,
  ManifestRef,
  NodeRunResult,
  NodeTiming,
  NotRunResource,
  PlannedNode,
  RunHookKind,
  RunHookResult,
  RunResultsStored,
} from '../activities/transform';
import { descendantsOf, parentsOf } from '../lib/graph';
import type { DataInterval } from '../lib/intervals';
import { RunQueue } from '../lib/run-queue';
import { errorClassOf, exhaustedActivities } from './failure-info';
import { lineageEmitter } from './lineage-emitter';
import { nodeEndEvents, nodeLineageEvents, nodeStartEvent, type TimedOutcome } from './transform-lineage';
import { isUnregisteredLocal, LOCAL_GATE_PATCH, LocalGate, localRunNode } from './transform-local-nodes';
import { batchSizeOf, batchSummary } from './transform-node-batch';
import { storeRunResults } from './transform-run-results';
import { warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link transform}: dbt's command line, as data. */
export interface TransformInput {
  steps: StepOptions;
  /** The data interval; its bounds reach models as vars `data_interval_start` / `data_interval_end`. */
  interval?: DataInterval;
  /** A dbt project directory on the worker; the configured project (`transform.projectDir`) when omitted. */
  projectDir?: string;
  /** @default 'build' */
  command?: DbtCommand;
  /** dbt selectors (`stg_claims+`, `tag:daily`, `path:marts`); everything when empty. */
  select?: string[];
  exclude?: string[];
  /** dbt's `--state`: the folder of an earlier manifest.json, read by the planning worker (`state:` selectors). */
  state?: string;
  /** dbt's `--defer`: unselected nodes are read from the `state` manifest's relations. */
  defer?: boolean;
  /** Project vars to override (dbt `--vars`). */
  vars?: Record<string, unknown>;
  /** Rebuild incremental models from scratch (dbt `--full-refresh`). */
  fullRefresh?: boolean;
  /** dbt's `--store-failures`: tests that configure neither `store_failures` nor `store_failures_as` store theirs. */
  storeFailures?: boolean;
  /** Nodes run at once (dbt's `threads`). @default 4 */
  threads?: number;
  /**
   * When set, a model whose table has a quality rule file is checked right after it is built, under
   * this run id, so quarantined rows never reach the models downstream.
   */
  qualityRunId?: string;
  /** The pipeline step run this transform is (OpenLineage parent of its nodes); a standalone run reports itself. */
  lineage?: LineageRunRef;
}

/** One node's outcome. */
export interface ModelOutcome {
  /** Node name (model, seed, snapshot, or test). */
  model: string;
  id: string;
  type: PlannedNode['type'];
  /** `fail`: an error-severity test found rows; `warn`: a warn-severity one did. */
  status: 'success' | 'error' | 'skipped' | 'warn' | 'fail';
  /** Rows in the table / rows inserted; for tests, failing rows. */
  rows?: number;
  /** Rows its quality rules moved out of the table before downstream models read it. */
  quarantined?: number;
  durationMs?: number;
  error?: string;
  /** The failure's class (`EdpBadSql`, …), safe to show where its message may not be (alerts, lineage). */
  errorType?: string;
  /** The node's activity failed its last attempt. */
  retriesExhausted?: boolean;
  /** Its compile and execute phases, as run_results.json lists them. */
  timing?: NodeTiming[];
}

/** How a project's `on-run-start` or `on-run-end` hooks ran. */
export interface HookOutcome {
  kind: RunHookKind;
  status: 'success' | 'error';
  /** Hooks the project declares for this point. */
  hooks?: number;
  durationMs?: number;
  error?: string;
}

/** What {@link transform} built. */
export interface TransformResult {
  /** Every planned node in run order. */
  models: ModelOutcome[];
  /** Nodes that errored or whose error-severity test failed, and run hooks that failed. */
  failed: number;
  /** The project's `on-run-start` / `on-run-end` hooks, when it has any. */
  hooks?: HookOutcome[];
  /** Declared resources the engine does not run (unit tests, the semantic layer), as the plan reported them. */
  notRun?: NotRunResource[];
  /** Where the run wrote its run_results.json (runs started before that step have none). */
  runResults?: RunResultsStored;
}

/** Live progress of a transform run. */
export interface TransformProgress {
  planned: number;
  done: ModelOutcome[];
  running: string[];
}

/**
 * The Web UI's label of a node's runNode activity, so the timeline reads like the DAG: `model stg_claims →
 * staging.stg_claims + 2 tests`. Names and tables only, never data.
 */
export function nodeSummary(node: PlannedNode): string {
  const tests = node.tests?.length ?? 0;
  return `${nodeLabel(node)}${tests ? ` + ${tests} test${tests > 1 ? 's' : ''}` : ''}`;
}

/** A node as {@link nodeSummary} names it, without its tests: `model stg_claims → staging.stg_claims`. */
export function nodeLabel(node: { type: string; name: string; table?: string }): string {
  return `${node.type} ${node.name}${node.table ? ` → ${node.table}` : ''}`;
}

/** Query: nodes finished so far and nodes running. */
export const transformProgress = defineQuery<TransformProgress>('progress');

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

const BLOCKING: ReadonlyArray<ModelOutcome['status']> = ['error', 'fail', 'skipped'];

/**
 * dbt build/run/test/seed/snapshot as a durable run: one activity parses and plans the project (node ids
 * and edges only), then nodes run as activities in dependency order with at most `threads` in flight (short
 * ones, by materialization, as local activities where `steps.localNodes` asks and the worker can: docs/transform.md).
 * A node that fails skips only its descendants (in `build`, a model's failing test skips the model's children).
 * The project's `on-run-start` hooks run first (when they fail, every node is skipped) and its `on-run-end`
 * hooks last, whatever the nodes did, as dbt runs them; plans without hooks schedule neither step.
 */
export async function transform(input: TransformInput): Promise<TransformResult> {
  const lineage = lineageEmitter(input.steps);
  const info = workflowInfo();
  // Inside a pipeline the pipeline reports this step's run; a standalone run (`edp dbt build`) reports its own.
  const own: LineageRunRef | undefined =
    lineage.on && !input.lineage
      ? { job: `dbt.${input.command ?? 'build'}`, runKey: `${info.workflowId}/${info.runId}` }
      : undefined;
  const ownEvent = (eventType: LineageEventInput['eventType'], errorClass?: string): LineageEventInput[] =>
    own
      ? [
          {
            eventType,
            eventTime: new Date().toISOString(),
            run: own,
            interval: input.interval,
            ...(errorClass ? { errorClass } : {}),
          },
        ]
      : [];
  lineage.emit(ownEvent('START'));
  try {
    const parent = input.lineage ?? own;
    // Live: each node's events as it starts and ends, in order behind one another; before the patch, one batch at the end.
    const reporter: NodeReporter | undefined = !parent
      ? undefined
      : lineage.ordered
        ? {
            started: (plan, nodeId, ms) => lineage.emit([nodeStartEvent(plan, nodeId, ms, parent)]),
            ended: (plan, [node, ...tests]) =>
              lineage.emit([...nodeEndEvents(plan, node, parent), ...nodeLineageEvents(plan, tests, parent)]),
          }
        : { ranAll: (plan, nodes) => lineage.emit(nodeLineageEvents(plan, nodes, parent)) };
    const result = await runTransform(input, reporter);
    lineage.emit(ownEvent(result.failed > 0 ? 'FAIL' : 'COMPLETE', result.failed > 0 ? 'NodesFailed' : undefined));
    await lineage.flush();
    return result;
  } catch (err) {
    // Not the run's failure: this workflow task fails (so it records nothing, lineage included) and is retried.
    if (isUnregisteredLocal(err)) throw err;
    lineage.emit(ownEvent('FAIL', errorClassOf(err)));
    await lineage.flush();
    throw err;
  }
}

/** Who hears of the nodes that ran: as each starts and ends, or all of them once the run is over. */
interface NodeReporter {
  started?: (plan: ManifestRef, nodeId: string, startedMs: number) => void;
  /** A node that ran, then its tests: they ran inside its activity, so their START goes out with their end. */
  ended?: (plan: ManifestRef, nodes: TimedOutcome[]) => void;
  ranAll?: (plan: ManifestRef, nodes: TimedOutcome[]) => void;
}

/** The transform itself; `report` hears of every node that ran, with its start time. */
async function runTransform(input: TransformInput, report?: NodeReporter): Promise<TransformResult> {
  const acts = warehouseActivities(input.steps, 'transform');
  const vars = {
    ...(input.interval ? { data_interval_start: input.interval.start, data_interval_end: input.interval.end } : {}),
    ...input.vars,
  };
  const localNode = await localRunNode(input.steps);
  const gate = new LocalGate(localNode !== undefined && patched(LOCAL_GATE_PATCH));
  const batchSize = batchSizeOf(input.steps);
  const ruleFiles = input.qualityRunId ? await acts.listQualityRuleFiles({}) : [];
  const plan = await acts.planTransform({
    projectDir: input.projectDir,
    command: input.command,
    select: input.select,
    exclude: input.exclude,
    ...(input.state ? { state: input.state, defer: input.defer } : {}),
    ...(input.storeFailures ? { storeFailures: true } : {}),
    vars,
    // Tests of a table with quality rules run after the rules (as separate nodes), on the rows that stay.
    separateTestsOf: ruleFiles.map((f) => f.table),
    ...(localNode ? { localMaterializations: input.steps.localNodes } : {}),
    ...(batchSize > 1 ? { batchMaterializations: input.steps.batchMaterializations } : {}),
  });
  const rulesFor = new Map(ruleFiles.map((f) => [f.table, f]));
  const nodeOfTable = new Map(plan.nodes.filter((n) => n.table).map((n) => [n.table!, n.id]));
  const graph = { nodes: plan.nodes.map((n) => n.id), edges: plan.edges };
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  // Local nodes and nodes with quality rules (checked between their build and their children) run on their own.
  const batchable = (id: string): boolean => {
    const n = byId.get(id)!;
    return n.batch === true && !n.local && !(n.table && rulesFor.has(n.table));
  };
  const queue = new RunQueue(graph, {
    parallelism: input.threads ?? 4,
    ...(batchSize > 1 ? { batch: { size: batchSize, batchable } } : {}),
  });
  const parents = parentsOf(graph);
  const outcome = new Map<string, ModelOutcome>();
  /** Nodes whose runNode finished (their quality check may still run). */
  const built = new Set<string>();
  const startedAt = new Map<string, number>();
  /** Set when a local node could not even be scheduled here: the workflow task fails, the run goes on elsewhere. */
  let unschedulable: ReferenceError | undefined;
  const info = workflowInfo();
  const runBase = {
    manifestFile: plan.manifestFile,
    checksum: plan.checksum,
    invocationId: `${info.workflowId}/${info.runId}`,
    runStartedAt: info.startTime.toISOString(),
    fullRefresh: input.fullRefresh,
    // Only when set: runs started without it schedule their nodes with the input they always had.
    ...(input.storeFailures ? { storeFailures: true } : {}),
  };
  setHandler(transformProgress, () => ({
    planned: plan.nodes.reduce((n, x) => n + 1 + (x.tests?.length ?? 0), 0),
    done: [...outcome.values()],
    running: queue.running,
  }));

  const testOutcomes = (node: PlannedNode, status: 'skipped', error: string) => {
    for (const t of node.tests ?? []) {
      // Tests that ran keep their result (the node's quality check may be what failed).
      if (!outcome.has(t.id)) outcome.set(t.id, { model: t.name, id: t.id, type: 'test', status, error });
    }
  };
  /** The node's outcome and its tests', with its start time, as lineage reports them. */
  const timed = (id: string): TimedOutcome[] => {
    const startedMs = startedAt.get(id);
    if (startedMs === undefined) return [];
    // A test its node's activity did not report has no outcome (yet).
    const tests = (byId.get(id)!.tests ?? []).flatMap((t) => {
      const o = outcome.get(t.id);
      return o ? [{ outcome: o, startedMs }] : [];
    });
    return [{ outcome: outcome.get(id)!, startedMs }, ...tests];
  };
  /** Marks a node started: its start time, and lineage's START. */
  const begin = (node: PlannedNode, started: number): void => {
    startedAt.set(node.id, started);
    report?.started?.(plan, node.id, started);
  };
  /** The runNode input of a node. */
  const nodeArgs = (node: PlannedNode): Parameters<typeof acts.runNode> => [
    { ...runBase, nodeId: node.id, tests: node.tests?.map((t) => t.id) },
  ];
  /** Records how a started node ran (`run`: its runNode, or its entry of a batch) and tells the queue. */
  const settle = async (node: PlannedNode, started: number, run: () => Promise<NodeRunResult>): Promise<void> => {
    const base = { model: node.name, id: node.id, type: node.type };
    /** In `build`, a failing test of the node skips its children even while its quality check runs. */
    let testsFailed = false;
    try {
      const r = await run();
      built.add(node.id);
      for (const t of r.tests ?? []) {
        outcome.set(t.id, {
          model: t.name,
          id: t.id,
          type: 'test',
          status: t.status,
          rows: t.rows,
          durationMs: t.ms,
          error: t.message,
          timing: t.timing,
        });
        if (t.status === 'fail' || t.status === 'error') testsFailed = true;
      }
      if (testsFailed) queue.fail(node.id);
      const rules = r.table && r.type !== 'test' ? rulesFor.get(r.table) : undefined;
      let checked: { quarantined: number } | undefined;
      if (rules) {
        // Referential rules read other tables: wait (without holding a thread) until the run has built them.
        if (!testsFailed) queue.release(node.id);
        const below = descendantsOf(graph, node.id);
        const waitFor = (rules.reads ?? []).flatMap((t) => {
          const id = nodeOfTable.get(t);
          return id && id !== node.id && !below.has(id) ? [id] : [];
        });
        // Built is enough (not checked): two tables whose rules read each other must not wait on each other.
        await condition(() => waitFor.every((id) => built.has(id) || outcome.has(id)));
        checked = await gate.viaServer(() =>
          acts.runQualityRuleFile({ file: rules.file, runId: input.qualityRunId!, interval: input.interval! }),
        );
      }
      const quarantined = checked?.quarantined;
      outcome.set(node.id, {
        ...base,
        status: r.status,
        rows: r.rows === undefined ? undefined : r.rows - (quarantined ?? 0),
        quarantined,
        durationMs: r.ms ?? Date.now() - started,
        error: r.message,
        timing: r.timing,
      });
      report?.ended?.(plan, timed(node.id));
      if (testsFailed) return; // the queue heard of the failure when the tests failed
      if (BLOCKING.includes(r.status)) queue.fail(node.id);
      else queue.complete(node.id);
    } catch (err) {
      if (isUnregisteredLocal(err)) {
        unschedulable = err;
        return;
      }
      testOutcomes(node, 'skipped', 'the node they test failed');
      outcome.set(node.id, {
        ...base,
        status: 'error',
        durationMs: Date.now() - started,
        error: failureMessage(err),
        errorType: errorClassOf(err),
        ...(exhaustedActivities(err).length > 0 ? { retriesExhausted: true } : {}),
      });
      report?.ended?.(plan, timed(node.id));
      if (!testsFailed) queue.fail(node.id);
    }
  };

  const launch = async (node: PlannedNode): Promise<void> => {
    const local = node.local ? localNode : undefined;
    // Only behind the gate's patch: an await here would move where earlier runs scheduled their nodes.
    if (local && gate.on) await gate.open();
    const started = Date.now();
    begin(node, started);
    const args = nodeArgs(node);
    const options = { summary: nodeSummary(node) };
    await settle(node, started, () =>
      local
        ? local.executeWithOptions(options, args)
        : gate.viaServer(() => acts.runNode.executeWithOptions(options, args)),
    );
  };
  /** Whether a settled node keeps its children from running: it failed, was skipped, or a test of it failed. */
  const blocking = (id: string): boolean =>
    [id, ...(byId.get(id)!.tests ?? []).map((t) => t.id)].some((x) => {
      const status = outcome.get(x)?.status;
      return status === undefined || BLOCKING.includes(status);
    });
  /** A batch's node that did not run because a node before it in the batch failed. */
  const skipInBatch = (node: PlannedNode): void => {
    testOutcomes(node, 'skipped', 'an upstream node failed');
    outcome.set(node.id, {
      model: node.name,
      id: node.id,
      type: node.type,
      status: 'skipped',
      error: 'an upstream node failed',
    });
    queue.skipStarted(node.id);
  };
  /**
   * Runs several nodes (each after its parents) in one runNodes activity and settles each from its entry. When
   * the activity itself fails (retries spent, timed out), they run again one by one as runNode activities, so
   * the failure lands on the node that has it.
   */
  const launchBatch = async (nodes: PlannedNode[]): Promise<void> => {
    const started = Date.now();
    const ids = new Set(nodes.map((n) => n.id));
    const after = (n: PlannedNode) => parents.get(n.id)!.filter((p) => ids.has(p));
    const args: Parameters<typeof acts.runNodes> = [
      {
        ...runBase,
        nodes: nodes.map((n) => ({
          nodeId: n.id,
          ...(n.tests ? { tests: n.tests.map((t) => t.id) } : {}),
          ...(after(n).length ? { after: after(n) } : {}),
        })),
      },
    ];
    let entries: BatchNodeResult[] | undefined;
    let failure: unknown;
    try {
      // Each node has the attempt timeout a runNode activity would have: the batch, all of theirs.
      const timeout = (input.steps.attemptTimeoutSeconds ?? 3600) * nodes.length * 1000;
      entries = await gate.viaServer(() =>
        acts.runNodes.executeWithOptions({ summary: batchSummary(nodes), startToCloseTimeout: timeout }, args),
      );
    } catch (err) {
      failure = err;
    }
    for (const [i, n] of nodes.entries()) {
      if (after(n).some(blocking)) {
        skipInBatch(n);
        continue;
      }
      const entry = entries?.[i];
      // A node run alone after the batch failed starts now, not with the batch.
      const from = entry ? started : Date.now();
      begin(n, from);
      if (!entry) {
        // The batch failed as a whole: a cancelled run records it on every node; otherwise each runs alone.
        await settle(n, from, () =>
          isCancellation(failure)
            ? Promise.reject(failure instanceof Error ? failure : new Error(String(failure)))
            : gate.viaServer(() => acts.runNode.executeWithOptions({ summary: nodeSummary(n) }, nodeArgs(n))),
        );
      } else if ('result' in entry) {
        await settle(n, started, () => Promise.resolve(entry.result));
      } else if ('error' in entry) {
        const err = ApplicationFailure.nonRetryable(entry.error.message, entry.error.type);
        await settle(n, started, () => Promise.reject(err));
      } else {
        skipInBatch(n); // the activity skipped it: a parent's test failed there
      }
    }
  };

  const hooks: HookOutcome[] = [];
  const runHooks = async (kind: RunHookKind, results?: RunHookResult[]): Promise<boolean> => {
    const started = Date.now();
    try {
      const r = await acts.runProjectHooks({
        manifestFile: plan.manifestFile,
        checksum: plan.checksum,
        kind,
        invocationId: runBase.invocationId,
        runStartedAt: runBase.runStartedAt,
        nodeIds: plan.nodes.map((n) => n.id),
        results,
      });
      hooks.push({ kind, status: 'success', hooks: r.hooks, durationMs: r.ms });
      return true;
    } catch (err) {
      hooks.push({ kind, status: 'error', durationMs: Date.now() - started, error: failureMessage(err) });
      return false;
    }
  };
  const startHooksOk = plan.runHooks?.includes('on-run-start') ? await runHooks('on-run-start') : true;
  if (!startHooksOk) {
    for (const n of plan.nodes) {
      testOutcomes(n, 'skipped', 'on-run-start failed');
      outcome.set(n.id, { model: n.name, id: n.id, type: n.type, status: 'skipped', error: 'on-run-start failed' });
    }
  }

  const inFlight: Array<Promise<void>> = [];
  while (startHooksOk && queue.pendingCount > 0) {
    const { skip, groups } = queue.next();
    for (const id of skip) {
      const n = byId.get(id)!;
      testOutcomes(n, 'skipped', 'an upstream node failed');
      outcome.set(id, { model: n.name, id, type: n.type, status: 'skipped', error: 'an upstream node failed' });
    }
    const ready = groups.map((g) => g.map((id) => byId.get(id)!));
    // Activities first: a local node started before them in this task would hold them back (LocalGate).
    const order = gate.on ? [...ready.filter(([n]) => !n.local), ...ready.filter(([n]) => n.local)] : ready;
    for (const g of order) inFlight.push(g.length > 1 ? launchBatch(g) : launch(g[0]));
    if (queue.pendingCount > 0 && queue.activeCount > 0) {
      // A node finished, or one moved on to its quality check and freed its thread: re-evaluate.
      const seen = queue.version;
      await condition(() => queue.version !== seen || unschedulable !== undefined);
    }
    if (unschedulable) throw unschedulable;
  }
  await Promise.all(inFlight);
  if (unschedulable) throw unschedulable;
  const models = queue.order.flatMap((id) => [
    outcome.get(id)!,
    ...(byId.get(id)!.tests ?? []).map((t) => outcome.get(t.id)!),
  ]);
  if (plan.runHooks?.includes('on-run-end')) {
    await runHooks(
      'on-run-end',
      models.map((m) => ({ id: m.id, status: m.status, error: m.error, rows: m.rows, durationMs: m.durationMs })),
    );
  }
  report?.ranAll?.(plan, queue.order.flatMap(timed));
  const failed =
    models.filter((m) => m.status === 'error' || m.status === 'fail').length +
    hooks.filter((h) => h.status === 'error').length;
  // dbt writes run_results.json after every command that runs nodes; so does the run, at its very end.
  const runResults = await storeRunResults(input.steps, plan, { ...input, command: input.command ?? 'build' }, models);
  return {
    models,
    failed,
    ...(plan.notRun ? { notRun: plan.notRun } : {}),
    ...(plan.runHooks ? { hooks } : {}),
    ...(runResults ? { runResults } : {}),
  };
}
