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
import { pipelineScheduleId, UNNAMED_PIPELINE_SCHEDULE_ID } from '../lib/ids';
import type { PlatformPipelineInput } from '../workflows/platform-pipeline';
import { scheduledPipelineStartOptions } from '../workers/workflow-inputs';
import { platformPipeline } from '../workflows';
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
    const handle = client.schedule.getHandle(id);
    try {
      await handle.describe();
      await handle.update<typeof platformPipeline>((previous) => ({ ...previous, ...wanted }));
      log(`updated schedule ${id}`);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      const paused = config.pipeline.schedule.paused || pausedByOperator;
      await client.schedule.create({
        scheduleId: id,
        ...wanted,
        state: { paused, note: 'created by edp schedules apply' },
      });
      const why = pausedByOperator ? `, as ${UNNAMED_PIPELINE_SCHEDULE_ID} was` : '';
      log(`created schedule ${id}${paused ? ` (paused${why})` : ''}`);
    }
    if (old) {
      await oldHandle.delete();
      log(`deleted schedule ${UNNAMED_PIPELINE_SCHEDULE_ID} of pipeline ${config.pipeline.name}: ${id} replaces it`);
    }
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
