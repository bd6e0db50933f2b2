import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ApplicationFailure, executeChild, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { stepWorkflowId, unnamedStepWorkflowId, type PipelineStep } from '../lib/ids';
import { describeInterval, intervalEndingAt, type DataInterval } from '../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_STATUS, type RunStatus } from '../lib/search-attributes';
import { batchIngest, type BatchIngestInput, type BatchIngestResult } from './batch-ingest';
import { databricksExport, type DatabricksExportResult } from './databricks-export';
import { recordDeadLetter } from './dead-letter';
import { qualityGate, type QualityGateResult } from './quality-gate';
import type { ExportMode } from '../lib/config/schema';
import type { RunParams } from './pipeline-run';
import type { StepOptions } from './step-options';
import { transform, type TransformResult } from './transform';

/** Input of {@link platformPipeline}; everything comes from config via the CLI or the Schedule. */
export interface PlatformPipelineInput {
  pipeline: string;
  /** The data interval; omitted on scheduled runs, which derive it from TemporalScheduledStartTime. */
  interval?: DataInterval;
  intervalHours: number;
  steps: StepOptions;
  sensor: BatchIngestInput['sensor'];
  sqlTables?: BatchIngestInput['sqlTables'];
  /** Parallelism and batching of the file loads. */
  ingest?: { maxParallel: number; filesPerChild: number };
  marts: Array<{ name: string; mode: ExportMode }>;
  threads?: number;
  /** `edp run --vars … --full-refresh`: handed to the transform step. */
  params?: RunParams;
}

/** Outcome of one pipeline run; references and counts only. */
export interface PlatformPipelineResult {
  pipeline: string;
  interval: DataInterval;
  status: RunStatus;
  ingest: BatchIngestResult;
  transform: TransformResult;
  quality: QualityGateResult;
  /** Absent when the quality gate blocked publishing. */
  export?: DatabricksExportResult;
}

/**
 * Patch id of child step ids that carry the pipeline name. Runs started before it replay with their unnamed
 * child ids (a child's id is part of its start command, so changing it would break their replay).
 */
export const PIPELINE_NAME_IN_IDS_PATCH = 'pipeline-name-in-child-ids';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

function scheduledInterval(hours: number): DataInterval {
  const value = workflowInfo().typedSearchAttributes.get(SCHEDULED_START);
  if (value === undefined) {
    throw ApplicationFailure.nonRetryable(
      'no interval given and the run was not started by a Schedule (TemporalScheduledStartTime is unset)',
    );
  }
  return intervalEndingAt(new Date(value), hours);
}

/** The 4-hourly platform DAG for one data interval: ingest → transform → quality gate → export, as child workflows. */
export async function platformPipeline(input: PlatformPipelineInput): Promise<PlatformPipelineResult> {
  const interval = input.interval ?? scheduledInterval(input.intervalHours);
  const setStatus = (status: RunStatus): void =>
    upsertSearchAttributes([
      { key: EDP_PIPELINE, value: input.pipeline },
      { key: EDP_INTERVAL_START, value: new Date(interval.start) },
      { key: EDP_STATUS, value: status },
    ]);
  const named = patched(PIPELINE_NAME_IN_IDS_PATCH);
  const childId = (step: PipelineStep): string =>
    named ? stepWorkflowId(input.pipeline, step, interval) : unnamedStepWorkflowId(step, interval);
  setStatus('running');
  const child = { steps: input.steps, interval };
  let step: PipelineStep = 'ingest';
  try {
    const ingest = await executeChild(batchIngest, {
      workflowId: childId('ingest'),
      args: [{ ...child, sensor: input.sensor, sqlTables: input.sqlTables, ...input.ingest }],
    });
    step = 'transform';
    const transformed = await executeChild(transform, {
      workflowId: childId('transform'),
      args: [{ ...child, threads: input.threads, qualityRunId: childId('quality'), ...input.params }],
    });
    if (transformed.failed > 0) {
      const failed = transformed.models
        .filter((m) => m.status === 'error' || m.status === 'fail')
        .map((m) => `${m.model}: ${m.error}`);
      throw ApplicationFailure.nonRetryable(
        `transform failed for ${describeInterval(interval)}:\n${failed.join('\n')}`,
      );
    }
    step = 'quality';
    const quality = await executeChild(qualityGate, { workflowId: childId('quality'), args: [child] });
    let exported: DatabricksExportResult | undefined;
    if (quality.passed) {
      step = 'export';
      exported = await executeChild(databricksExport, {
        workflowId: childId('export'),
        args: [{ ...child, marts: input.marts, txnVersion: workflowInfo().runStartTime.getTime() }],
      });
    }
    const status: RunStatus = quality.passed ? 'succeeded' : 'blocked';
    setStatus(status);
    return { pipeline: input.pipeline, interval, status, ingest, transform: transformed, quality, export: exported };
  } catch (err) {
    setStatus('failed');
    const failed = {
      pipeline: input.pipeline,
      warehouseTaskQueue: input.steps.warehouseTaskQueue,
      interval,
      step,
      err,
    };
    await recordDeadLetter({ ...failed, stepWorkflowId: childId(step) });
    throw err;
  }
}
