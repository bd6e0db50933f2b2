import { compactInstant, type DataInterval } from './intervals';

// Every workflow and schedule id the platform uses. They are part of its contract: re-running an interval
// attaches to the open run by id, visibility searches match their prefixes and replay fixtures record them,
// so a change here is a migration, not a refactoring.

/** The child steps of a platform pipeline run, in the order they run. */
export type PipelineStep = 'ingest' | 'transform' | 'quality' | 'export';
/** Every child step of a platform pipeline run, in the order they run. */
export const PIPELINE_STEPS: readonly PipelineStep[] = ['ingest', 'transform', 'quality', 'export'];

// A pipeline name is an identifier (no `-`), so the segment after the kind always reads back as the name and
// two pipelines in one namespace never share an id.

/**
 * Workflow id of a pipeline's run for one interval, started by hand or by its Schedule alike: the Schedule's
 * prefix and the time it starts that interval's run (the end, plus `offsetMinutes`) as Temporal appends it,
 * e.g. `edp-pipeline-platform-2026-01-01T08:00:00Z` for [04:00, 08:00). So a manual run and a scheduled run of
 * one interval are one workflow: whichever starts second attaches to (or is skipped for) the first.
 */
export function pipelineWorkflowId(pipeline: string, interval: DataInterval, offsetMinutes = 0): string {
  const due = new Date(Date.parse(interval.end) + offsetMinutes * 60_000);
  return `${scheduledPipelineIdPrefix(pipeline)}-${due.toISOString().slice(0, 19)}Z`;
}

/** Workflow id of a pipeline run's child step, e.g. `edp-ingest-platform-2026-01-01T04:00Z`. */
export function stepWorkflowId(pipeline: string, step: PipelineStep, interval: DataInterval): string {
  return `edp-${step}-${pipeline}-${compactInstant(interval.start)}`;
}

/**
 * Child step id of pipeline runs started before ids carried the pipeline name, e.g.
 * `edp-ingest-2026-01-01T04:00Z`: those runs keep it when they replay (see the patch in platformPipeline).
 */
export function unnamedStepWorkflowId(step: PipelineStep, interval: DataInterval): string {
  return `edp-${step}-${compactInstant(interval.start)}`;
}

/** Workflow id of a declared pipeline's step for one interval, e.g. `edp-step-finance-build-2026-01-01T04:00Z`. */
export function planStepWorkflowId(pipeline: string, step: string, interval: DataInterval): string {
  return `edp-step-${pipeline}-${step}-${compactInstant(interval.start)}`;
}

/** Workflow id of one child batch (numbered from 1) of an ingest run, e.g. `edp-ingest-platform-2026-01-01T04:00Z-batch-0001`. */
export function ingestBatchWorkflowId(ingestWorkflowId: string, batch: number): string {
  return `${ingestWorkflowId}-batch-${String(batch).padStart(4, '0')}`;
}

/** Id of the Temporal Schedule that starts a pipeline every interval, e.g. `edp-pipeline-platform-schedule`. */
export function pipelineScheduleId(pipeline: string): string {
  return `edp-pipeline-${pipeline}-schedule`;
}

/** The pipeline a pipeline Schedule's id names, or undefined for any other id. */
export function pipelineOfScheduleId(scheduleId: string): string | undefined {
  return /^edp-pipeline-([A-Za-z_][A-Za-z0-9_]*)-schedule$/.exec(scheduleId)?.[1];
}

/** Workflow id prefix of a pipeline's scheduled runs; Temporal appends the scheduled time (see {@link pipelineWorkflowId}). */
export function scheduledPipelineIdPrefix(pipeline: string): string {
  return `edp-pipeline-${pipeline}`;
}

/** The one pipeline Schedule's id before ids carried the pipeline name; `edp schedules apply` replaces it. */
export const UNNAMED_PIPELINE_SCHEDULE_ID = 'edp-pipeline-schedule';

/** Id of the Temporal Schedule that runs slaCheck. */
export const SLA_SCHEDULE_ID = 'edp-sla-check-schedule';
/** Workflow id prefix of the scheduled slaCheck runs; Temporal appends the scheduled time. */
export const SCHEDULED_SLA_CHECK_ID_PREFIX = 'edp-sla-check';

/** Workflow id of an `edp sla check` run started at `at`. */
export function slaCheckWorkflowId(at: Date): string {
  return `edp-sla-check-manual-${at.getTime()}`;
}

/** Workflow id of an `edp quality run` started at `at`, e.g. `edp-quality-manual-2026-01-01T04:05:06Z`. */
export function qualityRunWorkflowId(at: Date): string {
  return `edp-quality-manual-${at.toISOString().slice(0, 19)}Z`;
}

/**
 * Workflow id of an `edp dbt <command>` run started at `at`, e.g. `edp-dbt-build-2026-01-01T040512Z-3f9a`:
 * the second plus a caller-made random `suffix`, so two runs started in one minute (or second) never share an id.
 */
export function dbtWorkflowId(command: string, at: Date, suffix: string): string {
  return `edp-dbt-${command}-${at.toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${suffix}`;
}

/** Workflow id of the ingest stream of the topic that lands in `raw.<table>`. */
export function streamWorkflowId(table: string): string {
  return `edp-stream-${table}`;
}

/** Workflow id of the streaming monitor. */
export const STREAM_MONITOR_WORKFLOW_ID = 'edp-stream-monitor';

/** Workflow id of a stream backfill into `raw.<table>` started at `at`. */
export function streamBackfillWorkflowId(table: string, at: Date): string {
  return `edp-stream-backfill-${table}-${at.getTime()}`;
}

/** Workflow id of the near-real-time refresh timer. */
export const REALTIME_WORKFLOW_ID = 'edp-realtime';

/** The stream consumers' task queue when `temporal.taskQueues.streaming` is unset: the warehouse queue's, suffixed. */
export function defaultStreamingQueue(warehouseQueue: string): string {
  return `${warehouseQueue}-streaming`;
}

/**
 * Workflow id of a console "clear + downstream" of one interval (a transform of a model and its descendants),
 * started at `at`, e.g. `edp-clear-platform-2026-01-01T04:00Z-1767240000000`.
 */
export function clearWorkflowId(pipeline: string, interval: DataInterval, at: Date): string {
  return `edp-clear-${pipeline}-${compactInstant(interval.start)}-${at.getTime()}`;
}
