import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StreamMeasureResult } from '../activities/streaming';
import type { StepOptions } from './step-options';

/** Input of {@link streamingMonitor}. */
export interface StreamingMonitorInput {
  steps: StepOptions;
  everySeconds: number;
  /** Checks per workflow run before continue-as-new. @default 200 */
  checksPerWorkflow?: number;
  /** Write a heartbeat into the source this often (`streaming.heartbeat.everySeconds`); none when unset. */
  heartbeatEverySeconds?: number;
  /** Checks in a row that had failed when the previous run continued as new. @default 0 */
  failedChecks?: number;
}

/** Query `latest`: the most recent check. */
export const streamingMonitorLatest = defineQuery<StreamMeasureResult | undefined>('latest');

/**
 * Patch of the failed-check record: runs started before it swallowed a failed check; with it each failed
 * check is counted and recorded, so enough of them in a row open the `monitor` breach.
 */
export const MONITOR_FAILURE_PATCH = 'streaming-monitor-failure-breach';

/** The class of a failed activity's error (its type, or the name of a timeout); never its message. */
function errorClassOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return cause.type;
  return cause instanceof Error ? cause.name : 'Error';
}

/**
 * Every `everySeconds`: per-partition lag, event-time → raw and → staging latency percentiles, throughput
 * and delay behind the source of every streamed topic, recorded in `audit.stream_metrics`, with lag,
 * latency and source-quiet SLAs raising and clearing alerts. A check that fails is counted; enough in a row
 * open a breach. With a heartbeat configured it also writes one into the source every
 * `heartbeatEverySeconds`. Runs until cancelled; continues as new to bound its history.
 */
export async function streamingMonitor(input: StreamingMonitorInput): Promise<never> {
  let latest: StreamMeasureResult | undefined;
  setHandler(streamingMonitorLatest, () => latest);
  const { measureStreams, recordStreamMonitorFailure } = proxyActivities<Activities>({
    taskQueue: input.steps.warehouseTaskQueue,
    startToCloseTimeout: '2m',
    retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 3 },
  });
  // One attempt: a beat that fails is simply missing, which the quiet check is there to notice.
  const { writeHeartbeat } = proxyActivities<Activities>({
    taskQueue: input.steps.warehouseTaskQueue,
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 1 },
  });
  let failedChecks = input.failedChecks ?? 0;
  let checking = true;

  const checks = async () => {
    for (let i = 0; i < (input.checksPerWorkflow ?? 200); i++) {
      try {
        latest = await measureStreams();
        failedChecks = 0;
      } catch (err) {
        // A failed check (broker down) is not the monitor's end; the next one tries again.
        failedChecks++;
        const errorClass = errorClassOf(err);
        if (latest) latest = { ...latest, failure: { errorClass, failedChecks } };
        if (patched(MONITOR_FAILURE_PATCH)) {
          try {
            await recordStreamMonitorFailure({ errorClass, failedChecks });
          } catch {
            // The warehouse or the webhook is down too: the next failed check records the breach.
          }
        }
      }
      await sleep(`${input.everySeconds}s`);
    }
    checking = false;
  };

  const beats = async (everySeconds: number) => {
    while (checking) {
      try {
        await writeHeartbeat();
      } catch {
        // A missed beat shows as the source going quiet once the freshness budget has passed.
      }
      await sleep(`${everySeconds}s`);
    }
  };

  // Promise.all handles both loops' rejections: a cancellation ends the monitor, whichever loop sees it first.
  await Promise.all([
    checks(),
    input.heartbeatEverySeconds === undefined ? undefined : beats(input.heartbeatEverySeconds),
  ]);
  return continueAsNew<typeof streamingMonitor>({ ...input, failedChecks });
}
