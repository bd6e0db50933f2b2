import { log, patched, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ManifestRef, NodeOutcome, RunResultsStored } from '../activities/transform';
import type { StepOptions } from './step-options';

/**
 * Patch id of run_results.json written by the transform run itself (an activity at its end). Runs started
 * before it replay without that activity; their results are written by `edp dbt run-results`.
 */
export const RUN_RESULTS_PATCH = 'transform-run-results';

/** What dbt's `args` of run_results.json say about the run, from the workflow's input. */
export interface RunResultsArgs {
  command: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  storeFailures?: boolean;
}

/**
 * Writes the run's run_results.json through the `storeRunResults` activity (docs/transform.md says where), once
 * the run's nodes have ended. Best effort: a worker without the activity, or one that fails three times, leaves
 * a warning in the workflow's log and the run's result as it was.
 */
export async function storeRunResults(
  steps: StepOptions,
  plan: ManifestRef,
  run: RunResultsArgs,
  nodes: readonly NodeOutcome[],
): Promise<RunResultsStored | undefined> {
  if (!patched(RUN_RESULTS_PATCH)) return undefined;
  const { storeRunResults: store } = proxyActivities<Activities>({
    taskQueue: steps.warehouseTaskQueue,
    startToCloseTimeout: '5 minutes',
    // A worker that does not register the activity (an older version) will not learn it by retrying.
    retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: ['NotFoundError'] },
  });
  const info = workflowInfo();
  try {
    return await store({
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      workflowId: info.workflowId,
      invocationId: uuid4(),
      command: run.command,
      startedAt: info.startTime.toISOString(),
      finishedAt: new Date().toISOString(),
      args: {
        select: run.select ?? [],
        exclude: run.exclude ?? [],
        full_refresh: run.fullRefresh ?? false,
        ...(run.storeFailures ? { store_failures: true } : {}),
      },
      ...(run.storeFailures ? { storeFailures: true } : {}),
      // Outcomes as the run reports them: ids, statuses, counts, times and messages, never rows.
      nodes: nodes.map((n) => ({
        id: n.id,
        type: n.type,
        status: n.status,
        rows: n.rows,
        durationMs: n.durationMs,
        error: n.error,
        timing: n.timing,
      })),
    });
  } catch (err) {
    log.warn('run_results.json not written', { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}
