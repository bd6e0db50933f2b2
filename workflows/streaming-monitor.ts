import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StreamMeasureResult } from '../activities/streaming';
import type { StepOptions } from './step-options';

/** Input of {@link streamingMonitor}. */
export interface StreamingMonitorInput {
  steps: StepOptions;
  everySeconds: number;
  /** Checks per workflow run before continue-as-new. @default 200 */
  checksPerWorkflow?: number;
}

/** Query `latest`: the most recent check. */
export const streamingMonitorLatest = defineQuery<StreamMeasureResult | undefined>('latest');

/**
 * Every `everySeconds`: per-partition lag, event-time → raw and → staging latency percentiles and
 * throughput of every streamed topic, recorded in `audit.stream_metrics`, with lag and latency SLAs
 * raising and clearing alerts. Runs until cancelled; continues as new to bound its history.
 */
export async function streamingMonitor(input: StreamingMonitorInput): Promise<never> {
  let latest: StreamMeasureResult | undefined;
  setHandler(streamingMonitorLatest, () => latest);
  const { measureStreams } = proxyActivities<Activities>({
    taskQueue: input.steps.warehouseTaskQueue,
    startToCloseTimeout: '2m',
    retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 3 },
  });
  for (let i = 0; i < (input.checksPerWorkflow ?? 200); i++) {
    try {
      latest = await measureStreams();
    } catch {
      // A failed check (broker down) is not the monitor's end; the next one tries again.
    }
    await sleep(`${input.everySeconds}s`);
  }
  return continueAsNew<typeof streamingMonitor>(input);
}
