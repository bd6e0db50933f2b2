import type { ScheduleSpec, WorkflowStartOptions } from '@temporalio/client';
import type { EdpConfig } from './config-schema';
import { startOptions, stepOptions } from './workflow-inputs';
import { pipelinePlan } from './pipeline-plans';
import { pipelineWorkflowId, scheduledPipelineIdPrefix } from '../lib/ids';
import type { DataInterval } from '../lib/intervals';
import type { PlanSchedule } from '../lib/pipeline-plan';
import type { pipelineRun } from '../workflows';
import { runSearchAttributes, type PipelineRunInput, type RunParams } from '../workflows/pipeline-run';

// The inputs and start options of declared pipelines' runs, from the plans resolved in pipeline-plans.ts.

/** The Temporal ScheduleSpec of a plan's schedule. */
export function scheduleSpecOf(schedule: PlanSchedule): ScheduleSpec {
  if (schedule.kind === 'every')
    return { intervals: [{ every: schedule.minutes * 60_000, offset: schedule.offsetMinutes * 60_000 }] };
  return { cronExpressions: [schedule.cron], timezone: schedule.timezone };
}

/** The pipelineRun input of a declared pipeline; without an interval, a scheduled run derives it from its start time. */
export function pipelineRunInput(
  config: EdpConfig,
  name: string,
  o: { interval?: DataInterval; params?: RunParams } = {},
): PipelineRunInput {
  return {
    plan: pipelinePlan(config, name),
    steps: stepOptions(config),
    ...(o.interval ? { interval: o.interval } : {}),
    ...(o.params && (o.params.fullRefresh || o.params.vars) ? { params: o.params } : {}),
  };
}

/** Start options of a declared pipeline's run for one interval, searchable by pipeline, interval and parameters. */
export function pipelineRunStartOptions(
  config: EdpConfig,
  name: string,
  interval: DataInterval,
  params?: RunParams,
): WorkflowStartOptions<typeof pipelineRun> {
  const input = pipelineRunInput(config, name, { interval, params });
  return {
    ...startOptions(config, pipelineWorkflowId(name, interval), input),
    typedSearchAttributes: runSearchAttributes(name, interval, 'running', input),
  };
}

/** Start options of a declared pipeline's scheduled runs: the plan as applied, ids under the pipeline's prefix. */
export function scheduledPipelineRunStartOptions(config: EdpConfig, name: string) {
  return {
    ...startOptions(config, scheduledPipelineIdPrefix(name), pipelineRunInput(config, name)),
    typedSearchAttributes: runSearchAttributes(name, undefined, 'running'),
  };
}
