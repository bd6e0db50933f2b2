import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { EdpConfig } from '../workers/config-schema';
import { PIPELINE_SCHEDULE_ID, SCHEDULED_PIPELINE_ID_PREFIX } from '../lib/ids';
import { pipelineInput, startOptions } from '../workers/workflow-inputs';
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

/** The schedule as config describes it: every `intervalHours`, offset, starting platformPipeline without an interval. */
function scheduleFromConfig(
  config: EdpConfig,
): Pick<ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof platformPipeline>>, 'spec' | 'action' | 'policies'> {
  const s = config.pipeline.schedule;
  const minute = 60_000;
  const action: ScheduleOptionsStartWorkflowAction<typeof platformPipeline> = {
    type: 'startWorkflow',
    workflowType: platformPipeline,
    // No interval: each run derives it from TemporalScheduledStartTime.
    ...startOptions(config, SCHEDULED_PIPELINE_ID_PREFIX, pipelineInput(config)),
  };
  return {
    spec: { intervals: [{ every: config.pipeline.intervalHours * 60 * minute, offset: s.offsetMinutes * minute }] },
    action,
    policies: { overlap: OVERLAP[s.overlap], catchupWindow: s.catchupWindowMinutes * minute, pauseOnFailure: false },
  };
}

/** `edp schedules apply`: creates the pipeline's Schedule, or updates it to match config; safe to run again. */
export async function schedulesApply(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const wanted = scheduleFromConfig(config);
    const handle = client.schedule.getHandle(PIPELINE_SCHEDULE_ID);
    try {
      await handle.describe();
      await handle.update<typeof platformPipeline>((previous) => ({ ...previous, ...wanted }));
      log(`updated schedule ${PIPELINE_SCHEDULE_ID}`);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create({
        scheduleId: PIPELINE_SCHEDULE_ID,
        ...wanted,
        state: { paused: config.pipeline.schedule.paused, note: 'created by edp schedules apply' },
      });
      log(`created schedule ${PIPELINE_SCHEDULE_ID}${config.pipeline.schedule.paused ? ' (paused)' : ''}`);
    }
    await applySlaSchedule(client, config, log);
    return schedulesShow(config);
  } finally {
    await close();
  }
}

/** `edp schedules show`: the schedule's spec, policies, state and next runs. */
export async function schedulesShow(config: EdpConfig): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const d = await client.schedule.getHandle(PIPELINE_SCHEDULE_ID).describe();
    const every =
      d.spec.intervals?.map((i) => `every ${String(i.every)} offset ${String(i.offset ?? 0)}`).join('; ') ?? '';
    console.log(
      table([
        { key: 'schedule', value: PIPELINE_SCHEDULE_ID },
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
      console.log(`no schedule ${PIPELINE_SCHEDULE_ID} yet: create it with \`npx edp schedules apply\``);
      return 1;
    }
    throw err;
  } finally {
    await close();
  }
}
