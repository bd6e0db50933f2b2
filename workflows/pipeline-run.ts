import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  type SearchAttributePair,
} from '@temporalio/common';
import {
  ApplicationFailure,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { planStepWorkflowId, pipelineWorkflowId } from '../lib/ids';
import type { DataInterval } from '../lib/intervals';
import {
  firesTrigger,
  planGraph,
  scheduledRunInterval,
  type DownstreamTrigger,
  type PipelinePlan,
  type PlanStep,
} from '../lib/pipeline-plan';
import { RunQueue } from '../lib/run-queue';
import {
  EDP_INTERVAL_START,
  EDP_PARAMS,
  EDP_PIPELINE,
  EDP_STATUS,
  EDP_TRIGGER,
  type RunStatus,
} from '../lib/search-attributes';
import { batchIngest } from './batch-ingest';
import { databricksExport } from './databricks-export';
import { failureChain, recordDeadLetter } from './dead-letter';
import { qualityGate } from './quality-gate';
import { warehouseActivities, type ActivityClass, type StepOptions } from './step-options';
import { transform } from './transform';

/** A run's parameters, from `edp run <pipeline> --vars … --full-refresh` or `temporal workflow start`. */
export interface RunParams {
  /** dbt vars over each transform step's own. */
  vars?: Record<string, unknown>;
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
}

/** The upstream step whose completion started a triggered run. */
export interface RunTrigger {
  pipeline: string;
  step: string;
  workflowId: string;
}

/** Input of {@link pipelineRun}: the plan resolved from config when the run (or its Schedule) was made. */
export interface PipelineRunInput {
  plan: PipelinePlan;
  steps: StepOptions;
  /** The data interval; omitted on scheduled runs, which derive it from TemporalScheduledStartTime and the plan's schedule. */
  interval?: DataInterval;
  params?: RunParams;
  trigger?: RunTrigger;
}

/** What happened to one step. `blocked`: a quality gate failed, so its descendants were skipped. */
export interface StepOutcome {
  step: string;
  kind: PlanStep['kind'];
  status: 'succeeded' | 'failed' | 'blocked' | 'skipped';
  /** Child workflow of the step (ingest, transform, quality, export). */
  workflowId?: string;
  /** Counts only. */
  summary?: string;
  error?: string;
}

/** Outcome of one run of a declared pipeline. */
export interface PipelineRunResult {
  pipeline: string;
  interval: DataInterval;
  status: RunStatus;
  /** In the order the steps finished (skipped ones when they were skipped). */
  steps: StepOutcome[];
  /** Workflow ids of the downstream runs this run started. */
  triggered: string[];
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

function runInterval(input: PipelineRunInput): DataInterval {
  if (input.interval) return input.interval;
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START);
  if (scheduled === undefined || !input.plan.schedule) {
    throw ApplicationFailure.nonRetryable(
      'no interval given and the run was not started by its Schedule (TemporalScheduledStartTime is unset)',
    );
  }
  return scheduledRunInterval(input.plan.schedule, new Date(scheduled));
}

/** `full-refresh vars={…}`: the EdpParams value of a run with parameters, empty for one without. */
export function describeParams(params: RunParams | undefined): string {
  const parts: string[] = [];
  if (params?.fullRefresh) parts.push('full-refresh');
  if (params?.vars && Object.keys(params.vars).length > 0) parts.push(`vars=${JSON.stringify(params.vars)}`);
  return parts.join(' ');
}

/** The search attributes a run of `pipeline` starts with, or upserts: pipeline, interval, status, parameters, trigger. */
export function runSearchAttributes(
  pipeline: string,
  interval: DataInterval | undefined,
  status: RunStatus,
  o: { params?: RunParams; trigger?: RunTrigger } = {},
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: EDP_PIPELINE, value: pipeline },
    { key: EDP_STATUS, value: status },
  ];
  if (interval) pairs.push({ key: EDP_INTERVAL_START, value: new Date(interval.start) });
  const params = describeParams(o.params);
  if (params) pairs.push({ key: EDP_PARAMS, value: params.slice(0, 1000) });
  if (o.trigger) pairs.push({ key: EDP_TRIGGER, value: `${o.trigger.pipeline}.${o.trigger.step}` });
  return pairs;
}

/** The step's StepOptions: its retry override applies to every activity class it uses. */
function optionsOf(base: StepOptions, step: PlanStep): StepOptions {
  if (!step.retries) return base;
  const classes: Array<ActivityClass | 'default'> = ['default', 'ingest', 'transform', 'quality', 'export', 'sla'];
  return {
    ...base,
    retries: Object.fromEntries(classes.map((c) => [c, { ...base.retries?.[c], ...step.retries }])),
  };
}

/** The quality step that checks a transform step's output (its direct dependent), whose run id the transform records under. */
function qualityRunIdOf(plan: PipelinePlan, step: PlanStep, interval: DataInterval): string | undefined {
  const q = plan.steps.find((s) => s.kind === 'quality' && s.dependsOn.includes(step.name));
  return q ? planStepWorkflowId(plan.pipeline, q.name, interval) : undefined;
}

type StepRun = Omit<StepOutcome, 'step' | 'kind' | 'workflowId'>;

/** Runs one step (a child workflow or an activity) and says how it ended; throws when it failed. */
async function runStep(input: PipelineRunInput, step: PlanStep, interval: DataInterval, id: string): Promise<StepRun> {
  const steps = optionsOf(input.steps, step);
  const timeout = step.timeoutMinutes ? step.timeoutMinutes * 60_000 : undefined;
  const child = { workflowId: id, workflowExecutionTimeout: timeout };
  switch (step.kind) {
    case 'ingest': {
      const { entities, sqlTables, sensor, maxParallel, filesPerChild } = step;
      const r = await executeChild(batchIngest, {
        ...child,
        args: [{ interval, steps, sensor, sqlTables, maxParallel, filesPerChild, ...(entities ? { entities } : {}) }],
      });
      return {
        status: 'succeeded',
        summary: `${r.fileCount} files, ${r.rowsLoaded} rows loaded, ${r.extracts.length} tables`,
      };
    }
    case 'transform': {
      const vars = { ...step.vars, ...input.params?.vars };
      const r = await executeChild(transform, {
        ...child,
        args: [
          {
            steps,
            interval,
            select: step.select,
            exclude: step.exclude,
            vars,
            threads: step.threads,
            fullRefresh: input.params?.fullRefresh,
            qualityRunId: qualityRunIdOf(input.plan, step, interval),
          },
        ],
      });
      if (r.failed > 0) {
        const failed = r.models.filter((m) => m.status === 'error' || m.status === 'fail').map((m) => m.model);
        throw ApplicationFailure.nonRetryable(`${r.failed} nodes failed: ${failed.join(', ')}`);
      }
      return { status: 'succeeded', summary: `${r.models.length} nodes built or tested` };
    }
    case 'quality': {
      const r = await executeChild(qualityGate, {
        ...child,
        args: [{ interval, steps, tables: step.tables, runId: id }],
      });
      const summary = `${r.checks} checks, ${r.warnings.length} warnings, ${r.blocking.length} errors`;
      return { status: step.gate && !r.passed ? 'blocked' : 'succeeded', summary };
    }
    case 'export': {
      const txnVersion = workflowInfo().runStartTime.getTime();
      const r = await executeChild(databricksExport, {
        ...child,
        args: [{ interval, steps, marts: step.marts, txnVersion }],
      });
      return { status: 'succeeded', summary: r.marts.map((m) => `${m.mart}: ${m.rows} rows`).join(', ') };
    }
    case 'realtime': {
      const r = await activitiesOf(steps, step, 'transform').refreshRealtime();
      return { status: 'succeeded', summary: `${r.refreshed.length} curation tables refreshed` };
    }
    case 'sql': {
      const r = await activitiesOf(steps, step, 'transform').runSqlStatements({
        statements: step.statements,
        interval,
      });
      return { status: 'succeeded', summary: `${r.rowsChanged.reduce((a, b) => a + b, 0)} rows changed` };
    }
  }
}

/** Activity proxies of an activity step, bounded by its timeout. */
function activitiesOf(steps: StepOptions, step: PlanStep, cls: ActivityClass) {
  const minutes = step.timeoutMinutes ?? 60;
  return warehouseActivities({ ...steps, attemptTimeoutSeconds: minutes * 60 }, cls);
}

/** What {@link startTriggered} needs of the upstream run. */
export interface TriggerSource {
  pipeline: string;
  /** The step that just completed. */
  step: Pick<PlanStep, 'name' | 'produces'>;
  downstream: DownstreamTrigger[];
  /** Indexes of `downstream` this run has started already: each starts once per run. */
  fired: Set<number>;
  steps: StepOptions;
  interval: DataInterval;
  params?: RunParams;
}

/**
 * Starts the downstream pipelines a completed step fires, each once per upstream run, with the upstream interval and
 * parameters, abandoned when the upstream run ends; returns their workflow ids. A run of one for this interval that
 * is open already covers the same data, so it is left as it is.
 */
export async function startTriggered(source: TriggerSource): Promise<string[]> {
  const { step, interval } = source;
  const started: string[] = [];
  for (const [i, t] of source.downstream.entries()) {
    if (source.fired.has(i) || !firesTrigger(t, step)) continue;
    source.fired.add(i);
    const cause: RunTrigger = { pipeline: source.pipeline, step: step.name, workflowId: workflowInfo().workflowId };
    const workflowId = pipelineWorkflowId(t.plan.pipeline, interval);
    try {
      await startChild(pipelineRun, {
        workflowId,
        args: [{ plan: t.plan, steps: source.steps, interval, params: source.params, trigger: cause }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: runSearchAttributes(t.plan.pipeline, interval, 'running', { trigger: cause }),
      });
      started.push(workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      log.info('downstream run already open', { workflowId });
    }
  }
  return started;
}

/** Patch id of the `cancelled` EdpStatus of a cancelled run (`failed`, or `running` for declared pipelines, before it). */
export const CANCELLED_STATUS_PATCH = 'cancelled-run-status';

/**
 * Executes any pipeline's plan for one data interval: its steps as a DAG on the run queue (independent branches
 * at once, a failed or blocked step skipping only its descendants), each step's child workflow named after the
 * pipeline, step and interval, and the downstream pipelines its completed steps trigger started with this
 * run's interval. Fails, after every branch has settled, when a step failed.
 */
export async function pipelineRun(input: PipelineRunInput): Promise<PipelineRunResult> {
  const { plan } = input;
  const interval = runInterval(input);
  const setStatus = (status: RunStatus): void =>
    upsertSearchAttributes(runSearchAttributes(plan.pipeline, interval, status, input));
  setStatus('running');
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const queue = new RunQueue(planGraph(plan), { parallelism: plan.parallelism ?? 4 });
  const outcomes: StepOutcome[] = [];
  const triggered: string[] = [];
  const fired = new Set<number>();
  const running = new Map<string, Promise<void>>();

  const run = async (name: string): Promise<void> => {
    const step = byName.get(name)!;
    const child = ['ingest', 'transform', 'quality', 'export'].includes(step.kind);
    const id = planStepWorkflowId(plan.pipeline, name, interval);
    const workflowId = child ? id : undefined;
    try {
      const r = await runStep(input, step, interval, id);
      outcomes.push({ step: name, kind: step.kind, workflowId, ...r });
      if (r.status === 'blocked') return queue.fail(name);
      queue.complete(name);
      triggered.push(
        ...(await startTriggered({
          ...input,
          pipeline: plan.pipeline,
          downstream: plan.downstream,
          fired,
          step,
          interval,
        })),
      );
    } catch (err) {
      // A cancelled run is someone's decision, not a failed step: no dead letter, the run ends cancelled.
      if (isCancellation(err) && patched(CANCELLED_STATUS_PATCH)) throw err;
      outcomes.push({
        step: name,
        kind: step.kind,
        workflowId,
        status: 'failed',
        error: failureChain(err).slice(0, 1000),
      });
      queue.fail(name);
      const failed = { pipeline: plan.pipeline, warehouseTaskQueue: input.steps.warehouseTaskQueue, interval };
      await recordDeadLetter({ ...failed, step: name, stepWorkflowId: id, err });
    }
  };

  try {
    while (!queue.done) {
      const { start, skip } = queue.next();
      for (const name of skip) outcomes.push({ step: name, kind: byName.get(name)!.kind, status: 'skipped' });
      for (const name of start)
        running.set(
          name,
          run(name).finally(() => running.delete(name)),
        );
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } catch (err) {
    // Runs started before the patch replay without the status (it stayed `running`).
    if (isCancellation(err) && patched(CANCELLED_STATUS_PATCH)) setStatus('cancelled');
    throw err;
  }
  const has = (s: StepOutcome['status']): boolean => outcomes.some((o) => o.status === s);
  const status: RunStatus = has('failed') ? 'failed' : has('blocked') ? 'blocked' : 'succeeded';
  setStatus(status);
  const result: PipelineRunResult = { pipeline: plan.pipeline, interval, status, steps: outcomes, triggered };
  if (status === 'failed') {
    const failed = outcomes.filter((o) => o.status === 'failed').map((o) => `${o.step}: ${o.error ?? ''}`);
    throw ApplicationFailure.create({
      message: `pipeline ${plan.pipeline} failed:\n${failed.join('\n')}`,
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}
