import type { ExportMode } from './config/project-schema';
import type { RetryPolicyConfig } from './config/pipeline-schema';
import { parseCron, previousCronTime } from './cron';
import type { DependencyGraph } from './graph';
import { makeInterval, type DataInterval } from './intervals';

// A pipeline's plan: everything a `pipelineRun` needs, resolved from config when the run is started (or the
// Schedule applied) and carried in the run's input. The workflow never reads config, so a YAML change never
// alters a running or replayed run: it only shapes the plans of runs started after it.

/** When a scheduled run fires: every N minutes (aligned to UTC) `offsetMinutes` late, or a cron expression in a zone. */
export type PlanSchedule =
  { kind: 'every'; minutes: number; offsetMinutes: number } | { kind: 'cron'; cron: string; timezone: string };

/** What every step of a plan carries. */
interface PlanStepBase {
  /** Unique in its pipeline; part of the step's child workflow id. */
  name: string;
  /** Steps that must succeed before this one starts. */
  dependsOn: string[];
  /** Retry policy of the step's activities, over the pipeline's `retries`. */
  retries?: Partial<RetryPolicyConfig>;
  /** Upper bound of the whole step (its child workflow or activity). */
  timeoutMinutes?: number;
  /** Tables the step writes (`schema.table`): what table triggers of other pipelines wait for. */
  produces: string[];
}

/** Loads landing files (of `entities`, all when omitted) and extracts SQL tables into `raw`. */
export interface IngestPlanStep extends PlanStepBase {
  kind: 'ingest';
  entities?: string[];
  sqlTables: Array<{ source: string; table: string }>;
  sensor: { pokeMinutes: number; timeoutMinutes: number };
  maxParallel: number;
  filesPerChild: number;
}

/** Builds the selected dbt nodes. */
export interface TransformPlanStep extends PlanStepBase {
  kind: 'transform';
  select: string[];
  exclude: string[];
  vars: Record<string, unknown>;
  threads: number;
}

/** Runs quality rule files (of `tables`, all when omitted); with `gate`, a failed error rule blocks its descendants. */
export interface QualityPlanStep extends PlanStepBase {
  kind: 'quality';
  tables?: string[];
  gate: boolean;
}

/** Publishes marts as Delta tables. */
export interface ExportPlanStep extends PlanStepBase {
  kind: 'export';
  marts: Array<{ name: string; mode: ExportMode }>;
}

/** One refresh pass of the near-real-time curation tables. */
export interface RealtimePlanStep extends PlanStepBase {
  kind: 'realtime';
}

/** SQL statements run in one transaction; `{{ data_interval_start }}` / `{{ data_interval_end }}` become the interval's bounds. */
export interface SqlPlanStep extends PlanStepBase {
  kind: 'sql';
  statements: string[];
}

/** One step of a plan. */
export type PlanStep =
  IngestPlanStep | TransformPlanStep | QualityPlanStep | ExportPlanStep | RealtimePlanStep | SqlPlanStep;
/** The kinds of step a pipeline can declare. */
export type StepKind = PlanStep['kind'];
/** Every step kind, in the order docs list them. */
export const STEP_KINDS: readonly StepKind[] = ['ingest', 'transform', 'quality', 'export', 'realtime', 'sql'];

/** What starts a downstream pipeline: a named step of this one completing, or a step producing a named table. */
export interface DownstreamTrigger {
  /** Step of the upstream pipeline whose completion starts the downstream one. */
  step?: string;
  /** Tables (`schema.table`) of which any, once produced by a completed step, starts the downstream one. */
  tables?: string[];
  /** The downstream pipeline's plan, resolved with the upstream's. */
  plan: PipelinePlan;
}

/** A pipeline's steps, its schedule's shape and the pipelines it triggers: the input a run executes. */
export interface PipelinePlan {
  pipeline: string;
  /** How a scheduled run derives its interval; absent for pipelines only triggered or run by hand. */
  schedule?: PlanSchedule;
  /** Steps running at once. @default 4 */
  parallelism?: number;
  steps: PlanStep[];
  downstream: DownstreamTrigger[];
}

/** The step graph of a plan: an edge from each dependency to its dependent. */
export function planGraph(plan: { steps: ReadonlyArray<Pick<PlanStep, 'name' | 'dependsOn'>> }): DependencyGraph {
  return {
    nodes: plan.steps.map((s) => s.name),
    edges: plan.steps.flatMap((s) => s.dependsOn.map((d): [string, string] => [d, s.name])),
  };
}

/** Whether a completed step of the upstream run fires `trigger`. */
export function firesTrigger(
  trigger: Pick<DownstreamTrigger, 'step' | 'tables'>,
  step: Pick<PlanStep, 'name' | 'produces'>,
): boolean {
  if (trigger.step !== undefined) return trigger.step === step.name;
  return (trigger.tables ?? []).some((t) => step.produces.includes(t));
}

const MINUTE_MS = 60_000;

/**
 * The interval a scheduled run covers, ending at its scheduled time (Airflow's data interval): for `every`,
 * the slot that ends at the boundary at or before it; for a cron, from the previous fire time to this one.
 */
export function scheduledRunInterval(schedule: PlanSchedule, scheduledTime: Date): DataInterval {
  if (schedule.kind === 'every') {
    const slot = schedule.minutes * MINUTE_MS;
    const offset = schedule.offsetMinutes * MINUTE_MS;
    // The offset delays the run after its interval's end (late files land meanwhile); it does not move the interval.
    const end = Math.floor((scheduledTime.getTime() - offset) / slot) * slot;
    return makeInterval(new Date(end - slot), new Date(end));
  }
  const spec = parseCron(schedule.cron);
  return makeInterval(previousCronTime(spec, schedule.timezone, scheduledTime), scheduledTime);
}

/**
 * The schedule's latest interval that ends at or before `at` (what a latency or availability SLA judges): for
 * `every`, the slot ending at the boundary at or before it; for a cron, from the fire before the latest fire to it.
 */
export function intervalEndingBy(schedule: PlanSchedule, at: Date): DataInterval {
  if (schedule.kind === 'every') return scheduledRunInterval({ ...schedule, offsetMinutes: 0 }, at);
  const end = previousCronTime(parseCron(schedule.cron), schedule.timezone, new Date(at.getTime() + 1));
  return scheduledRunInterval(schedule, end);
}
