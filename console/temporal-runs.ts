import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { EdpConfig } from '../workers/config-schema';
import { PIPELINE_STEPS, stepWorkflowId, type PipelineStep } from '../lib/ids';
import { makeInterval, type DataInterval } from '../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_STATUS } from '../lib/search-attributes';
import { transformProgress, type ModelOutcome, type TransformResult } from '../workflows/transform';

/** A grid cell's colour: what the latest attempt at a step or node of an interval did. */
export type CellStatus = 'success' | 'failed' | 'skipped' | 'running' | 'warn' | 'blocked' | 'none';

/** A workflow run the console links to. */
export interface RunRef {
  workflowId: string;
  runId: string;
  startedAt: string;
  closedAt?: string;
}

/** One pipeline step of an interval's latest run. */
export interface StepRun extends Partial<RunRef> {
  step: PipelineStep;
  status: CellStatus;
  durationMs?: number;
  error?: string;
}

/** One dbt node's latest outcome in an interval: from the pipeline's transform or a later clear + downstream. */
export interface NodeRun extends RunRef {
  id: string;
  name: string;
  type: ModelOutcome['type'];
  status: CellStatus;
  rows?: number;
  quarantined?: number;
  durationMs?: number;
  error?: string;
  /** `pipeline`: the interval's run; `clear`: a console clear + downstream. */
  by: 'pipeline' | 'clear';
}

/** What ran for one interval: its latest pipeline run, its steps and every node's latest outcome. */
export interface IntervalRuns {
  interval: DataInterval;
  pipeline?: RunRef & { status: CellStatus };
  steps: StepRun[];
  nodes: Record<string, NodeRun>;
}

const NODE_STATUS: Record<ModelOutcome['status'], CellStatus> = {
  success: 'success',
  error: 'failed',
  fail: 'failed',
  skipped: 'skipped',
  warn: 'warn',
};

const PIPELINE_STATUS: Record<string, CellStatus> = {
  running: 'running',
  succeeded: 'success',
  failed: 'failed',
  blocked: 'blocked',
};

/** Runs read per refresh at most (newest first). */
const MAX_LISTED = 2000;

const closedStatus = (name: string): CellStatus =>
  name === 'RUNNING' ? 'running' : name === 'COMPLETED' ? 'success' : 'failed';

/** A run's close time; visibility gives an open run an invalid one rather than none. */
const closeOf = (t: Date | undefined): Date | undefined => (t && !Number.isNaN(t.getTime()) ? t : undefined);

function refOf(w: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'startTime' | 'closeTime'>): RunRef {
  return {
    workflowId: w.workflowId,
    runId: w.runId,
    startedAt: w.startTime.toISOString(),
    ...(closeOf(w.closeTime) ? { closedAt: closeOf(w.closeTime)!.toISOString() } : {}),
  };
}

/**
 * Reads runs from Temporal: visibility (the EdpPipeline and EdpIntervalStart search attributes), describe,
 * workflow results and the transform's `progress` query. Closed runs never change, so their results are kept.
 */
export class TemporalRuns {
  private readonly results = new Map<string, TransformResult | undefined>();
  private readonly steps = new Map<string, StepRun[]>();

  constructor(
    private readonly client: Client,
    private readonly config: EdpConfig,
  ) {}

  /** The `count` latest intervals that ran (by interval start, oldest first), each with its runs. */
  async recent(count: number): Promise<IntervalRuns[]> {
    return this.matching(`EdpPipeline = '${this.config.pipeline.name}'`, count);
  }

  /** One interval's runs, or undefined when it never ran. */
  async of(interval: DataInterval): Promise<IntervalRuns | undefined> {
    const start = new Date(interval.start);
    const [found] = await this.matching(
      `EdpPipeline = '${this.config.pipeline.name}' AND EdpIntervalStart >= '${start.toISOString()}' AND EdpIntervalStart < '${new Date(start.getTime() + 1000).toISOString()}'`,
      1,
    );
    return found;
  }

  private async matching(query: string, count: number): Promise<IntervalRuns[]> {
    const byStart = new Map<number, WorkflowExecutionInfo[]>();
    let seen = 0;
    for await (const wf of this.client.workflow.list({ query })) {
      // Newest runs come first; a bound keeps a long history from slowing every refresh.
      if (++seen > MAX_LISTED) break;
      if (wf.typedSearchAttributes.get(EDP_PIPELINE) !== this.config.pipeline.name) continue;
      const start = wf.typedSearchAttributes.get(EDP_INTERVAL_START)?.getTime();
      if (start === undefined) continue;
      byStart.set(start, [...(byStart.get(start) ?? []), wf]);
    }
    const starts = [...byStart.keys()]
      .sort((a, b) => b - a)
      .slice(0, count)
      .reverse();
    const hours = this.config.pipeline.intervalHours;
    const out: IntervalRuns[] = [];
    for (const start of starts) {
      const interval = makeInterval(new Date(start), new Date(start + hours * 3_600_000));
      out.push(await this.interval(interval, byStart.get(start)!));
    }
    return out;
  }

  /** One interval, from its visibility records. */
  private async interval(interval: DataInterval, runs: WorkflowExecutionInfo[]): Promise<IntervalRuns> {
    const byStart = (a: WorkflowExecutionInfo, b: WorkflowExecutionInfo) =>
      a.startTime.getTime() - b.startTime.getTime();
    const pipelineRun = runs
      .filter((r) => r.type === 'platformPipeline')
      .sort(byStart)
      .at(-1);
    const clears = runs.filter((r) => r.type === 'transform').sort(byStart);
    const nodes: Record<string, NodeRun> = {};
    const steps = pipelineRun ? await this.stepsOf(interval, pipelineRun) : [];
    const transformStep = steps.find((s) => s.step === 'transform');
    if (transformStep?.workflowId && transformStep.runId) {
      const ref = transformStep as RunRef & StepRun;
      for (const n of await this.nodesOf(ref, transformStep.status === 'running', 'pipeline')) nodes[n.id] = n;
    }
    for (const c of clears) {
      if (transformStep?.startedAt && c.startTime.toISOString() < transformStep.startedAt) continue;
      for (const n of await this.nodesOf(refOf(c), c.status.name === 'RUNNING', 'clear')) nodes[n.id] = n;
    }
    // A run terminated, cancelled or timed out never recorded its outcome: its `running` is stale.
    const recorded = pipelineRun && PIPELINE_STATUS[pipelineRun.typedSearchAttributes.get(EDP_STATUS) ?? ''];
    const status = pipelineRun
      ? pipelineRun.status.name === 'RUNNING'
        ? 'running'
        : recorded && recorded !== 'running'
          ? recorded
          : closedStatus(pipelineRun.status.name)
      : undefined;
    return {
      interval,
      ...(pipelineRun && status ? { pipeline: { ...refOf(pipelineRun), status } } : {}),
      steps,
      nodes,
    };
  }

  /** The pipeline run's child steps; a child that started before the run belongs to an earlier run and shows as not run. */
  private async stepsOf(interval: DataInterval, run: WorkflowExecutionInfo): Promise<StepRun[]> {
    const cached = this.steps.get(run.runId);
    if (cached) return cached;
    const steps: StepRun[] = [];
    for (const step of PIPELINE_STEPS) {
      const workflowId = stepWorkflowId(this.config.pipeline.name, step, interval);
      const d = await this.client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      if (!d || d.startTime < run.startTime) {
        steps.push({ step, status: 'none' });
        continue;
      }
      let status = closedStatus(d.status.name);
      if (step === 'transform' && status === 'success' && ((await this.result(refOf(d)))?.failed ?? 0) > 0)
        status = 'failed';
      if (step === 'quality' && status === 'success' && run.typedSearchAttributes.get(EDP_STATUS) === 'blocked')
        status = 'blocked';
      steps.push({
        step,
        status,
        ...refOf(d),
        ...(closeOf(d.closeTime) ? { durationMs: closeOf(d.closeTime)!.getTime() - d.startTime.getTime() } : {}),
      });
    }
    if (run.status.name !== 'RUNNING') this.steps.set(run.runId, steps);
    return steps;
  }

  /** A transform run's result once it has closed (undefined when it did not complete). */
  private async result(ref: RunRef): Promise<TransformResult | undefined> {
    if (this.results.has(ref.runId)) return this.results.get(ref.runId);
    const r = await this.client.workflow
      .getHandle<(i: unknown) => Promise<TransformResult>>(ref.workflowId, ref.runId)
      .result()
      .catch(() => undefined);
    this.results.set(ref.runId, r);
    return r;
  }

  /** A transform's nodes: from its result when closed, else from its `progress` query (finished and running nodes). */
  private async nodesOf(ref: RunRef, running: boolean, by: NodeRun['by']): Promise<NodeRun[]> {
    const of = (m: ModelOutcome, status: CellStatus): NodeRun => ({
      ...ref,
      id: m.id,
      name: m.model,
      type: m.type,
      status,
      rows: m.rows,
      quarantined: m.quarantined,
      durationMs: m.durationMs,
      error: m.error,
      by,
    });
    if (!running) return ((await this.result(ref))?.models ?? []).map((m) => of(m, NODE_STATUS[m.status]));
    const p = await this.client.workflow
      .getHandle(ref.workflowId, ref.runId)
      .query(transformProgress)
      .catch(() => undefined);
    if (!p) return [];
    const runningNodes = p.running.map((id) =>
      of({ id, model: id.split('.').at(-1) ?? id, type: 'model', status: 'success' }, 'running'),
    );
    return [...p.done.map((m) => of(m, NODE_STATUS[m.status])), ...runningNodes];
  }
}
