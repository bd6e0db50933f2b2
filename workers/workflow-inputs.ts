import type { ScheduleOptionsStartWorkflowAction, WorkflowStartOptions } from '@temporalio/client';
import type { EdpConfig } from './config-schema';
import { platformDownstream } from './pipeline-plans';
import { lineageEnabled } from '../lib/config/schema';
import { pipelineWorkflowId, scheduledPipelineIdPrefix } from '../lib/ids';
import type { DataInterval } from '../lib/intervals';
import { EDP_INTERVAL_START, EDP_PARAMS, EDP_PIPELINE, EDP_STATUS } from '../lib/search-attributes';
import type { platformPipeline, transform } from '../workflows';
import { describeParams, type RunParams } from '../workflows/pipeline-run';
import type { PlatformPipelineInput } from '../workflows/platform-pipeline';
import type { QualityGateInput } from '../workflows/quality-gate';
import type { RealtimeRefreshInput } from '../workflows/realtime-refresh';
import type { SlaCheckInput } from '../workflows/sla-check';
import type { StepOptions } from '../workflows/step-options';
import type { StreamingBackfillInput } from '../workflows/streaming-backfill';
import type { StreamingIngestInput } from '../workflows/streaming-ingest';
import type { StreamingMonitorInput } from '../workflows/streaming-monitor';
import type { TransformInput } from '../workflows/transform';

// The one place config becomes workflow input: workflows never read config, so every starter (CLI command,
// schedule, test) builds its input here and none can forget a setting such as `pipeline.retries`.

/** How a workflow reaches its activities, from config: the warehouse and streaming queues, heartbeat timeout and retries. */
export function stepOptions(config: EdpConfig): StepOptions {
  return {
    warehouseTaskQueue: config.temporal.taskQueues.warehouse,
    streamingTaskQueue: config.temporal.taskQueues.streaming,
    heartbeatSeconds: config.pipeline.heartbeatSeconds,
    retries: config.pipeline.retries,
    ...(lineageEnabled(config.lineage) ? { lineage: true } : {}),
    ...(config.transform.localNodes.length > 0 ? { localNodes: config.transform.localNodes } : {}),
    ...(config.transform.batchNodes > 1 && config.transform.batchMaterializations.length > 0
      ? { batchNodes: config.transform.batchNodes, batchMaterializations: config.transform.batchMaterializations }
      : {}),
  };
}

/** Start options of a workflow on the workflows task queue: its id and its one input object. */
export function startOptions<I>(
  config: EdpConfig,
  workflowId: string,
  input: I,
): { workflowId: string; taskQueue: string; args: [I] } {
  return { workflowId, taskQueue: config.temporal.taskQueues.workflows, args: [input] };
}

/** The platformPipeline input for a config; without an interval, a scheduled run derives it from its start time. */
export function pipelineInput(config: EdpConfig, interval?: DataInterval, params?: RunParams): PlatformPipelineInput {
  const downstream = platformDownstream(config);
  return {
    ...(params ? { params } : {}),
    pipeline: config.pipeline.name,
    interval,
    intervalHours: config.pipeline.intervalHours,
    steps: stepOptions(config),
    sensor: config.pipeline.sensor,
    ingest: config.pipeline.ingest,
    sqlTables: config.sources.flatMap((s) => s.tables.map((t) => ({ source: s.name, table: t.name }))),
    marts: config.export.marts.map((m) => ({ ...m })),
    threads: config.transform.threads,
    ...(downstream.length > 0 ? { downstream } : {}),
  };
}

// The pipeline name goes into the EdpPipeline search attribute, not a memo: a memo passes through the payload
// codec and every visibility listing decodes it, so one config's runs would break another's (other keys)
// `edp backfill` and `edp status` in a shared namespace.

/** Start options of the platformPipeline run for one interval: its id is the interval, searchable by pipeline and start. */
export function pipelineStartOptions(
  config: EdpConfig,
  interval: DataInterval,
  params?: RunParams,
): WorkflowStartOptions<typeof platformPipeline> {
  const input = pipelineInput(config, interval, params);
  const described = describeParams(params);
  return {
    ...startOptions(
      config,
      pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes),
      input,
    ),
    typedSearchAttributes: [
      { key: EDP_PIPELINE, value: config.pipeline.name },
      { key: EDP_INTERVAL_START, value: new Date(interval.start) },
      { key: EDP_STATUS, value: 'running' },
      ...(described ? [{ key: EDP_PARAMS, value: described }] : []),
    ],
  };
}

/**
 * Start options of the pipeline's scheduled runs: no interval (each derives it from its scheduled time), ids
 * under the pipeline's prefix (Temporal appends the time), searchable by pipeline from their first moment.
 */
export function scheduledPipelineStartOptions(
  config: EdpConfig,
): Omit<ScheduleOptionsStartWorkflowAction<typeof platformPipeline>, 'type' | 'workflowType'> {
  return {
    ...startOptions(config, scheduledPipelineIdPrefix(config.pipeline.name), pipelineInput(config)),
    typedSearchAttributes: [{ key: EDP_PIPELINE, value: config.pipeline.name }],
  };
}

/** The qualityGate input of a manual run: the rules of `tables` (all when none are given) over `interval`. */
export function qualityGateInput(
  config: EdpConfig,
  o: { interval?: DataInterval; tables?: string[] },
): QualityGateInput {
  return { steps: stepOptions(config), interval: o.interval, tables: o.tables?.length ? o.tables : undefined };
}

/** The transform input of a dbt command; threads default to `transform.threads`. */
export function transformInput(config: EdpConfig, o: Omit<TransformInput, 'steps'>): TransformInput {
  return { steps: stepOptions(config), ...o, threads: o.threads ?? config.transform.threads };
}

/** The streamingIngest input of one configured topic. */
export function streamingIngestInput(config: EdpConfig, topic: string): StreamingIngestInput {
  return { topic, steps: stepOptions(config), activitySeconds: config.streaming.activitySeconds };
}

/** The streamingMonitor input: checks every `streaming.monitor.everySeconds`, beats every `streaming.heartbeat.everySeconds`. */
export function streamingMonitorInput(config: EdpConfig): StreamingMonitorInput {
  return {
    steps: stepOptions(config),
    everySeconds: config.streaming.monitor.everySeconds,
    heartbeatEverySeconds: config.streaming.heartbeat?.everySeconds,
  };
}

/** The streamingBackfill input that replays `spec` (a topic and an offset or time range). */
export function streamingBackfillInput(
  config: EdpConfig,
  spec: Omit<StreamingBackfillInput, 'steps'>,
): StreamingBackfillInput {
  return { ...spec, steps: stepOptions(config) };
}

/** The realtimeRefresh input. */
export function realtimeRefreshInput(config: EdpConfig): RealtimeRefreshInput {
  return { steps: stepOptions(config) };
}

/** The slaCheck input, for the schedule and for `edp sla check`. */
export function slaCheckInput(config: EdpConfig): SlaCheckInput {
  return { steps: stepOptions(config) };
}

/** The task queue this deployment's workflows run on: what marks a Schedule in a shared namespace as its own. */
export function workflowsQueue(config: EdpConfig): string {
  return config.temporal.taskQueues.workflows;
}

/**
 * Start options of a transform that re-runs part of one interval (the console's "clear + downstream"):
 * searchable by pipeline and interval start, as the pipeline's own runs are, so views of the interval find it.
 */
export function intervalTransformStartOptions(
  config: EdpConfig,
  workflowId: string,
  interval: DataInterval,
  o: Omit<TransformInput, 'steps' | 'interval'>,
): WorkflowStartOptions<typeof transform> {
  return {
    ...startOptions(config, workflowId, transformInput(config, { ...o, interval })),
    typedSearchAttributes: [
      { key: EDP_PIPELINE, value: config.pipeline.name },
      { key: EDP_INTERVAL_START, value: new Date(interval.start) },
    ],
  };
}
