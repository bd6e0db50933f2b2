import { compactInstant, type DataInterval } from './intervals';

// Every workflow and schedule id the platform uses. They are part of its contract: re-running an interval
// attaches to the open run by id, visibility searches match their prefixes and replay fixtures record them,
// so a change here is a migration, not a refactoring.

/** The child steps of a platform pipeline run, in the order they run. */
export type PipelineStep = 'ingest' | 'transform' | 'quality' | 'export';

/** Workflow id of the platform pipeline for one interval, e.g. `edp-pipeline-2026-01-01T04:00Z`. */
export function pipelineWorkflowId(interval: DataInterval): string {
  return `edp-pipeline-${compactInstant(interval.start)}`;
}

/** Workflow id of a pipeline's child step, e.g. `edp-ingest-2026-01-01T04:00Z`. */
export function stepWorkflowId(step: PipelineStep, interval: DataInterval): string {
  return `edp-${step}-${compactInstant(interval.start)}`;
}

/** Workflow id of one child batch (numbered from 1) of an ingest run, e.g. `edp-ingest-2026-01-01T04:00Z-batch-0001`. */
export function ingestBatchWorkflowId(ingestWorkflowId: string, batch: number): string {
  return `${ingestWorkflowId}-batch-${String(batch).padStart(4, '0')}`;
}

/** Id of the Temporal Schedule that starts the pipeline every interval. */
export const PIPELINE_SCHEDULE_ID = 'edp-pipeline-schedule';
/** Workflow id prefix of the pipeline's scheduled runs; Temporal appends the scheduled time. */
export const SCHEDULED_PIPELINE_ID_PREFIX = 'edp-pipeline-scheduled';

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

/** Workflow id of an `edp dbt <command>` run started at `at`, e.g. `edp-dbt-build-2026-01-01T0405Z`. */
export function dbtWorkflowId(command: string, at: Date): string {
  return `edp-dbt-${command}-${at.toISOString().replace(/[:.]/g, '').slice(0, 15)}Z`;
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
