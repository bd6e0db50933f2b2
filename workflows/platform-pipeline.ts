import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LineageEventInput, LineageEventType, LineageIo, LineageRunRef } from '../activities/lineage';
import { stepWorkflowId, unnamedStepWorkflowId, type PipelineStep } from '../lib/ids';
import { describeInterval, intervalEndingAt, type DataInterval } from '../lib/intervals';
import { EDP_INTERVAL_START, EDP_PIPELINE, EDP_STATUS, type RunStatus } from '../lib/search-attributes';
import { batchIngest, type BatchIngestInput, type BatchIngestResult } from './batch-ingest';
import { databricksExport, type DatabricksExportResult } from './databricks-export';
import { qualityGate, type QualityGateResult } from './quality-gate';
import type { ExportMode } from '../lib/config/schema';
import type { DownstreamTrigger } from '../lib/pipeline-plan';
import { recordDeadLetter } from './dead-letter';
import { errorClassOf } from './failure-info';
import { CANCELLED_STATUS_PATCH, startTriggered, type RunParams } from './pipeline-run';
import { lineageEmitter } from './lineage-emitter';
import { runIncidents, type RunOutcome } from './run-incidents';
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
  /** Declared pipelines whose triggers name one of this pipeline's steps, with their plans. */
  downstream?: DownstreamTrigger[];
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
  /** Workflow ids of the declared pipelines' runs its steps started; absent when none. */
  triggered?: string[];
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

/** Patch id of the alert incidents a run records when it ends (`recordRunIncidents`); older runs replay without. */
export const RUN_ALERTS_PATCH = 'run-alert-incidents';

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
  const alerting = patched(RUN_ALERTS_PATCH);
  const childId = (step: PipelineStep): string =>
    named ? stepWorkflowId(input.pipeline, step, interval) : unnamedStepWorkflowId(step, interval);
  const info = workflowInfo();
  const lineage = lineageEmitter(input.steps);
  const run: LineageRunRef = { job: input.pipeline, runKey: `${info.workflowId}/${info.runId}` };
  const stepRun = (step: PipelineStep): LineageRunRef => ({
    job: `${input.pipeline}.${step}`,
    runKey: `${childId(step)}@${info.runId}`,
  });
  const event = (eventType: LineageEventType, at: LineageRunRef, more: Partial<LineageEventInput> = {}) => ({
    eventType,
    eventTime: new Date().toISOString(),
    run: at,
    interval,
    ...(at === run ? {} : { parent: run }),
    ...more,
  });
  /** Runs a child step between its lineage START and COMPLETE (or FAIL) events. */
  const stepWithLineage = async <T>(
    step: PipelineStep,
    io: LineageIo | undefined,
    body: () => Promise<T>,
  ): Promise<T> => {
    lineage.emit([event('START', stepRun(step), { io })]);
    try {
      const result = await body();
      lineage.emit([event('COMPLETE', stepRun(step), { io })]);
      return result;
    } catch (err) {
      lineage.emit([
        event(isCancellation(err) ? 'ABORT' : 'FAIL', stepRun(step), { io, errorClass: errorClassOf(err) }),
      ]);
      throw err;
    }
  };
  setStatus('running');
  lineage.emit([event('START', run)]);
  const child = { steps: input.steps, interval };
  const childLineage = (step: PipelineStep) => (lineage.on ? { lineage: stepRun(step) } : {});
  const fired = new Set<number>();
  const triggered: string[] = [];
  // Runs of inputs without downstream pipelines (every run before triggers existed) issue no command here.
  const completed = async (name: PipelineStep): Promise<void> => {
    if (!input.downstream?.length) return;
    const source = { pipeline: input.pipeline, downstream: input.downstream, fired, steps: input.steps, interval };
    triggered.push(...(await startTriggered({ ...source, step: { name, produces: [] }, params: input.params })));
  };
  let step: PipelineStep = 'ingest';
  let transformed: TransformResult | undefined;
  let quality: QualityGateResult | undefined;
  try {
    const ingest = await stepWithLineage('ingest', { kind: 'ingest' }, () =>
      executeChild(batchIngest, {
        workflowId: childId('ingest'),
        args: [{ ...child, sensor: input.sensor, sqlTables: input.sqlTables, ...input.ingest }],
      }),
    );
    await completed('ingest');
    step = 'transform';
    transformed = await stepWithLineage('transform', undefined, async () => {
      const result = await executeChild(transform, {
        workflowId: childId('transform'),
        args: [
          {
            ...child,
            threads: input.threads,
            qualityRunId: childId('quality'),
            ...childLineage('transform'),
            ...input.params,
          },
        ],
      });
      transformed = result;
      if (result.failed > 0) {
        const failed = result.models
          .filter((m) => m.status === 'error' || m.status === 'fail')
          .map((m) => `${m.model}: ${m.error}`);
        throw ApplicationFailure.nonRetryable(
          `transform failed for ${describeInterval(interval)}:\n${failed.join('\n')}`,
          'TransformFailed',
        );
      }
      return result;
    });
    await completed('transform');
    step = 'quality';
    quality = await stepWithLineage('quality', undefined, () =>
      executeChild(qualityGate, { workflowId: childId('quality'), args: [{ ...child, ...childLineage('quality') }] }),
    );
    let exported: DatabricksExportResult | undefined;
    if (quality.passed) {
      await completed('quality');
      step = 'export';
      const marts = input.marts.map((m) => m.name);
      exported = await stepWithLineage('export', { kind: 'export', marts }, () =>
        executeChild(databricksExport, {
          workflowId: childId('export'),
          args: [{ ...child, marts: input.marts, txnVersion: workflowInfo().runStartTime.getTime() }],
        }),
      );
      await completed('export');
    }
    const status: RunStatus = quality.passed ? 'succeeded' : 'blocked';
    setStatus(status);
    lineage.emit([event('COMPLETE', run)]);
    await lineage.flush();
    if (alerting) await reportIncidents(input, interval, { status, transform: transformed, quality });
    return {
      pipeline: input.pipeline,
      interval,
      status,
      ingest,
      transform: transformed,
      quality,
      export: exported,
      ...(triggered.length > 0 ? { triggered } : {}),
    };
  } catch (err) {
    // Someone's decision, not a failure: no dead letter either (its activity could not start in the cancelled
    // scope; it only logged that). Runs started before the patch replay their 'failed'.
    const cancelled = isCancellation(err) && patched(CANCELLED_STATUS_PATCH);
    setStatus(cancelled ? 'cancelled' : 'failed');
    if (!cancelled)
      await recordDeadLetter({
        pipeline: input.pipeline,
        warehouseTaskQueue: input.steps.warehouseTaskQueue,
        interval,
        step,
        stepWorkflowId: childId(step),
        err,
      });
    // A cancelled run still reports how it ended: in a scope its cancellation does not reach.
    await CancellationScope.nonCancellable(async () => {
      lineage.emit([event(isCancellation(err) ? 'ABORT' : 'FAIL', run, { errorClass: errorClassOf(err) })]);
      await lineage.flush();
      // A cancelled run is someone's decision, not an incident.
      if (alerting && !isCancellation(err)) {
        await reportIncidents(input, interval, {
          status: 'failed',
          failedStep: step,
          error: err,
          transform: transformed,
          quality,
        });
      }
    });
    throw err;
  }
}

/** The activities that record how a run ended: short, retried a few times, never the cause of the run's failure. */
function bookkeeping(input: PlatformPipelineInput) {
  return proxyActivities<Activities>({
    taskQueue: input.steps.warehouseTaskQueue,
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { maximumAttempts: 5 },
  });
}

/** Records the run's incidents and alerts them; a failure to do so is logged, never fails the run or hides its own. */
async function reportIncidents(
  input: PlatformPipelineInput,
  interval: DataInterval,
  outcome: RunOutcome,
): Promise<void> {
  const { recordRunIncidents } = bookkeeping(input);
  const info = workflowInfo();
  try {
    await recordRunIncidents({
      pipeline: input.pipeline,
      interval,
      workflowId: info.workflowId,
      runId: info.runId,
      ...runIncidents(outcome),
    });
  } catch (err) {
    log.warn("could not record the run's alert incidents", { error: errorClassOf(err) });
  }
}
