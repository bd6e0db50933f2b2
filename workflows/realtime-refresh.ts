import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RealtimeRefreshResult } from '../activities/realtime';
import type { StepOptions } from './step-options';

/** Input of {@link realtimeRefresh}. */
export interface RealtimeRefreshInput {
  steps: StepOptions;
  /** Create or replace the objects first (the first run; continued runs skip it). @default true */
  deploy?: boolean;
  /** Passes per workflow run before continue-as-new. @default 500 */
  passesPerRun?: number;
}

/** Query `latest`: the most recent pass (what was refreshed, every table's lag). */
export const realtimeRefreshLatest = defineQuery<RealtimeRefreshResult | undefined>('latest');

/**
 * Keeps the near-real-time objects current: deploys them, then refreshes each curation table when half
 * its target lag has passed (on Snowflake the dynamic tables refresh themselves and this only watches
 * their lag). Runs until cancelled; continues as new to bound its history.
 */
export async function realtimeRefresh(input: RealtimeRefreshInput): Promise<never> {
  let latest: RealtimeRefreshResult | undefined;
  setHandler(realtimeRefreshLatest, () => latest);
  const { deployRealtime, refreshRealtime } = proxyActivities<Activities>({
    taskQueue: input.steps.warehouseTaskQueue,
    startToCloseTimeout: '10m',
    retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 3 },
  });
  if (input.deploy !== false) await deployRealtime();
  for (let i = 0; i < (input.passesPerRun ?? 500); i++) {
    try {
      latest = await refreshRealtime();
    } catch (err) {
      // A pass that failed for a passing reason (warehouse busy) is retried by the next one; a curation
      // query that cannot run (bad SQL, a missing table) fails the workflow, so it shows in the Web UI.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)
        throw err;
      // Shown by the `latest` query (and `edp realtime status`) until a pass succeeds again.
      const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      latest = { refreshed: [], lag: latest?.lag ?? [], nextInMs: latest?.nextInMs ?? 15_000, error: message };
    }
    await sleep(latest?.nextInMs ?? 15_000);
  }
  return continueAsNew<typeof realtimeRefresh>({ ...input, deploy: false });
}
