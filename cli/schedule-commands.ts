import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type IntervalSpecDescription,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { EdpConfig } from '../workers/config-schema';
import { pipelineOfScheduleId, pipelineScheduleId, UNNAMED_PIPELINE_SCHEDULE_ID } from '../lib/ids';
import { scheduleSpecOf, scheduledPipelineRunStartOptions } from '../workers/pipeline-input';
import { declaredPipeline, planScheduleOf } from '../workers/pipeline-plans';
import type { PlatformPipelineInput } from '../workflows/platform-pipeline';
import { scheduledPipelineStartOptions, workflowsQueue } from '../workers/workflow-inputs';
import { pipelineRun, platformPipeline } from '../workflows';
import { table } from './output';
import { temporalClient } from './session';
import { applySlaSchedule } from './sla-commands';

const OVERLAP = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  bufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  cancelOther: ScheduleOverlapPolicy.CANCEL_OTHER,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
} as const;

/** The schedule as config describes it: every `intervalHours`, offset, starting the pipeline without an interval. */
function scheduleFromConfig(
  config: EdpConfig,
): Pick<ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof platformPipeline>>, 'spec' | 'action' | 'policies'> {
  const s = config.pipeline.schedule;
  const minute = 60_000;
  const action: ScheduleOptionsStartWorkflowAction<typeof platformPipeline> = {
    type: 'startWorkflow',
    workflowType: platformPipeline,
    ...scheduledPipelineStartOptions(config),
  };
  return {
    spec: { intervals: [{ every: config.pipeline.intervalHours * 60 * minute, offset: s.offsetMinutes * minute }] },
    action,
    policies: { overlap: OVERLAP[s.overlap], catchupWindow: s.catchupWindowMinutes * minute, pauseOnFailure: false },
  };
}

/** Creates a Schedule, or updates one that exists (keeping its state: an operator's pause stays). */
async function upsertSchedule(
  client: Client,
  id: string,
  wanted: Pick<ScheduleOptions, 'spec' | 'action' | 'policies'>,
  create: { paused: boolean; why?: string },
  log: (m: string) => void,
): Promise<void> {
  const handle = client.schedule.getHandle(id);
  try {
    await handle.describe();
    await handle.update((previous) => ({ ...previous, ...wanted }));
    log(`updated schedule ${id}`);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create({
      scheduleId: id,
      ...wanted,
      state: { paused: create.paused, note: 'created by edp schedules apply' },
    });
    log(`created schedule ${id}${create.paused ? ` (paused${create.why ?? ''})` : ''}`);
  }
}

/** A declared pipeline's Schedule as config describes it: its spec in its zone, starting pipelineRun with its plan. */
function declaredScheduleFromConfig(
  config: EdpConfig,
  name: string,
): Pick<ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof pipelineRun>>, 'spec' | 'action' | 'policies'> {
  const s = declaredPipeline(config, name).schedule!;
  const minute = 60_000;
  return {
    spec: scheduleSpecOf(planScheduleOf(s)),
    action: { type: 'startWorkflow', workflowType: pipelineRun, ...scheduledPipelineRunStartOptions(config, name) },
    policies: { overlap: OVERLAP[s.overlap], catchupWindow: s.catchupWindowMinutes * minute, pauseOnFailure: false },
  };
}

/**
 * One Schedule per declared pipeline with a schedule, created or updated; then the pipeline Schedules of this
 * deployment (those starting runs on its workflows task queue) whose pipeline config no longer schedules are
 * deleted. Other deployments sharing the namespace use other queues, so theirs are never touched.
 */
export async function applyDeclaredSchedules(
  client: Client,
  config: EdpConfig,
  log: (m: string) => void,
): Promise<void> {
  const scheduled = config.pipelines.filter((p) => p.schedule);
  for (const p of scheduled)
    await upsertSchedule(
      client,
      pipelineScheduleId(p.name),
      declaredScheduleFromConfig(config, p.name),
      { paused: p.schedule!.paused },
      log,
    );
  const keep = new Set([config.pipeline.name, ...scheduled.map((p) => p.name)]);
  for await (const summary of client.schedule.list()) {
    const name = pipelineOfScheduleId(summary.scheduleId);
    if (name === undefined || keep.has(name)) continue;
    const handle = client.schedule.getHandle(summary.scheduleId);
    let queue: string | undefined;
    try {
      const d = await handle.describe();
      queue = d.action.type === 'startWorkflow' ? d.action.taskQueue : undefined;
    } catch {
      continue; // gone meanwhile, or another deployment's payloads this config cannot decode
    }
    if (queue !== workflowsQueue(config)) continue;
    await handle.delete();
    log(`deleted schedule ${summary.scheduleId}: no pipeline ${name} in the config schedules runs any more`);
  }
}

/** The pipeline's schedule under the id used before ids carried the pipeline name, if it is still there. */
async function unnamedSchedule(client: Client, pipeline: string): Promise<ScheduleDescription | undefined> {
  try {
    const d = await client.schedule.getHandle(UNNAMED_PIPELINE_SCHEDULE_ID).describe();
    const input =
      d.action.type === 'startWorkflow' ? (d.action.args?.[0] as PlatformPipelineInput | undefined) : undefined;
    // Another pipeline sharing the namespace may own it: that pipeline's own apply migrates it.
    return input?.pipeline === pipeline ? d : undefined;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/**
 * `edp schedules apply`: creates the pipeline's Schedule, or updates it to match config; safe to run again.
 * A schedule of this pipeline left under the old unnamed id is replaced: paused first (so the two never both
 * start a run), an operator's pause carried over to a new schedule, and deleted once the new one exists.
 */
export async function schedulesApply(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const id = pipelineScheduleId(config.pipeline.name);
    const wanted = scheduleFromConfig(config);
    const old = await unnamedSchedule(client, config.pipeline.name);
    const oldHandle = client.schedule.getHandle(UNNAMED_PIPELINE_SCHEDULE_ID);
    const replacing = `replaced by ${id}`;
    // Our own pause (an earlier apply that failed halfway) is not the operator's, so it does not carry over.
    const pausedByOperator = old !== undefined && old.state.paused && old.state.note !== replacing;
    if (old && !old.state.paused) await oldHandle.pause(replacing);
    const why = pausedByOperator ? `, as ${UNNAMED_PIPELINE_SCHEDULE_ID} was` : '';
    await upsertSchedule(client, id, wanted, { paused: config.pipeline.schedule.paused || pausedByOperator, why }, log);
    if (old) {
      await oldHandle.delete();
      log(`deleted schedule ${UNNAMED_PIPELINE_SCHEDULE_ID} of pipeline ${config.pipeline.name}: ${id} replaces it`);
    }
    await applyDeclaredSchedules(client, config, log);
    await applySlaSchedule(client, config, log);
    return schedulesShow(config);
  } finally {
    await close();
  }
}

/** `14400000` → `4h`, `5400000` → `1h30m`: a duration in milliseconds as a person writes it. */
export function durationText(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = ms;
  const parts = units.flatMap(([unit, size]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return n > 0 ? [`${n}${unit}`] : [];
  });
  return parts.join('') || '0s';
}

/** A schedule's interval specs as `every 4h`, with ` offset 15m` when there is one. */
export function intervalSpecText(intervals: readonly IntervalSpecDescription[]): string {
  return intervals
    .map((i) => `every ${durationText(i.every)}${i.offset ? ` offset ${durationText(i.offset)}` : ''}`)
    .join('; ');
}

/** `edp schedules show`: the schedule's spec, policies, state and next runs. */
export async function schedulesShow(config: EdpConfig): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const d = await client.schedule.getHandle(pipelineScheduleId(config.pipeline.name)).describe();
    const every = intervalSpecText(d.spec.intervals ?? []);
    console.log(
      table([
        { key: 'schedule', value: pipelineScheduleId(config.pipeline.name) },
        { key: 'spec', value: every },
        { key: 'overlap', value: d.policies.overlap },
        { key: 'catchup window', value: `${Math.round(d.policies.catchupWindow / 60_000)} min` },
        { key: 'paused', value: d.state.paused },
        {
          key: 'next runs',
          value: d.info.nextActionTimes
            .slice(0, 3)
            .map((t) => t.toISOString())
            .join(', '),
        },
        {
          key: 'recent runs',
          value: d.info.recentActions
            .slice(-3)
            .map((a) => a.action.workflow.workflowId)
            .join(', '),
        },
      ]),
    );
    return 0;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      console.log(
        `no schedule ${pipelineScheduleId(config.pipeline.name)} yet: create it with \`npx edp schedules apply\``,
      );
      return 1;
    }
    throw err;
  } finally {
    await close();
  }
}
