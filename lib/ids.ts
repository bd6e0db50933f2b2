import { compactInstant, type DataInterval } from './intervals';

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

/** Id of the Temporal Schedule that starts the pipeline every interval. */
export const PIPELINE_SCHEDULE_ID = 'edp-pipeline-schedule';
/** Id of the Temporal Schedule that runs slaCheck. */
export const SLA_SCHEDULE_ID = 'edp-sla-check-schedule';
