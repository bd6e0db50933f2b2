import type { EdpConfig } from '../workers/config-schema';
import {
  PIPELINE_STEPS,
  pipelineScheduleId,
  pipelineWorkflowId,
  scheduledPipelineIdPrefix,
  stepWorkflowId,
  type PipelineStep,
} from '../lib/ids';
import { describeInterval, intervalEndingAt, type DataInterval } from '../lib/intervals';
import { describeSchedule, showDeclaredPipeline } from './declared-pipelines';
import { table } from './output';
import { UsageError } from './session';

/** One step of a pipeline as `edp pipelines show` prints it. */
export interface PipelineStepView {
  step: PipelineStep;
  /** The child workflow type that runs it. */
  workflowType: string;
  /** Its workflow id for the interval shown. */
  workflowId: string;
  /** What config gives it to do. */
  does: string;
}

/** The configured pipeline as `edp pipelines` shows it, with the ids of one interval. */
export interface PipelineView {
  name: string;
  schedule: string;
  scheduleId: string;
  /** Workflow id of a scheduled run; Temporal appends the scheduled time. */
  scheduledRunId: string;
  interval: DataInterval;
  runId: string;
  steps: PipelineStepView[];
}

const WORKFLOW_TYPES: Record<PipelineStep, string> = {
  ingest: 'batchIngest',
  transform: 'transform',
  quality: 'qualityGate',
  export: 'databricksExport',
};

/** What each step does, from config. */
function stepWork(config: EdpConfig): Record<PipelineStep, string> {
  const entities = config.landing.entities.map((e) => e.name);
  const tables = config.sources.flatMap((s) => s.tables.map((t) => `${s.name}.${t.name}`));
  const { pokeMinutes, timeoutMinutes } = config.pipeline.sensor;
  return {
    ingest:
      `landing files of ${entities.join(', ') || 'no entity'}; SQL tables ${tables.join(', ') || 'none'}; ` +
      `waits for late files up to ${timeoutMinutes} min (a look every ${pokeMinutes} min)`,
    transform: `dbt project ${config.transform.projectDir}, ${config.transform.threads} threads`,
    quality: `rule files in ${config.quality.rulesDir}; an error-severity failure blocks the export`,
    export: `marts ${config.export.marts.map((m) => `${m.name} (${m.mode})`).join(', ') || 'none'}`,
  };
}

/** The configured pipeline's schedule, steps and ids; ids are those of the interval a run at `at` covers. */
export function pipelineView(config: EdpConfig, at: Date): PipelineView {
  const { name, intervalHours, schedule: s } = config.pipeline;
  const interval = intervalEndingAt(at, intervalHours);
  const work = stepWork(config);
  return {
    name,
    schedule:
      `every ${intervalHours} h${s.offsetMinutes ? ` + ${s.offsetMinutes} min` : ''}, overlap ${s.overlap}, ` +
      `catch-up window ${s.catchupWindowMinutes} min${s.paused ? ', created paused' : ''}`,
    scheduleId: pipelineScheduleId(name),
    scheduledRunId: `${scheduledPipelineIdPrefix(name)}-<scheduled time>`,
    interval,
    runId: pipelineWorkflowId(name, interval, s.offsetMinutes),
    steps: PIPELINE_STEPS.map((step) => ({
      step,
      workflowType: WORKFLOW_TYPES[step],
      workflowId: stepWorkflowId(name, step, interval),
      does: work[step],
    })),
  };
}

/** `edp pipelines list`: one row per pipeline: the `pipeline` section's, then each declared one. */
export function pipelinesList(config: EdpConfig, at: Date): number {
  const v = pipelineView(config, at);
  console.log(
    table([
      {
        pipeline: v.name,
        schedule: v.schedule,
        steps: v.steps.map((s) => s.step).join(' → '),
        'schedule id': v.scheduleId,
      },
      ...config.pipelines.map((p) => ({
        pipeline: p.name,
        schedule: describeSchedule(p),
        steps: p.steps.map((s) => s.name).join(', '),
        'schedule id': p.schedule ? pipelineScheduleId(p.name) : 'none',
      })),
    ]),
  );
  return 0;
}

/** `edp pipelines show [name]`: the pipeline's schedule, its steps in order and the ids of its latest (or next) interval. */
export function pipelinesShow(config: EdpConfig, name: string | undefined, at: Date): number {
  const v = pipelineView(config, at);
  if (name !== undefined && config.pipelines.some((p) => p.name === name))
    return showDeclaredPipeline(config, name, at);
  if (name !== undefined && name !== v.name) {
    const names = [v.name, ...config.pipelines.map((p) => p.name)];
    const has = names.length === 1 ? `one: ${v.name}` : `${names.join(', ')}`;
    throw new UsageError(`no pipeline named ${name}; this config has ${has}`);
  }
  console.log(
    table([
      { key: 'pipeline', value: v.name },
      { key: 'schedule', value: v.schedule },
      { key: 'schedule id', value: v.scheduleId },
      { key: 'scheduled runs', value: v.scheduledRunId },
      { key: `run of ${describeInterval(v.interval)}`, value: v.runId },
    ]),
  );
  console.log('');
  console.log(
    table(
      v.steps.map((s) => ({
        step: s.step,
        'workflow type': s.workflowType,
        'workflow id': s.workflowId,
        does: s.does,
      })),
    ),
  );
  return 0;
}
