import type { WorkerOptions } from '@temporalio/worker';
import type { LocalNodeHost } from '../workflows/transform-local-nodes';

/** Activities as a worker registers them: functions by name. */
type ActivityMap = NonNullable<WorkerOptions['activities']>;

/**
 * The activities of the Temporal worker that runs workflows, so a transform can run short nodes as local
 * activities (docs/transform.md#orchestration). `activities`: the process's own (undefined in a `workflows`-only
 * process, which opens no warehouse). `polls`: the worker also polls its queue for activity tasks (it shares the
 * queue with the activities part); otherwise it runs local activities only, so it never takes another queue's work.
 * Every workflow worker answers `localNodesHere`, so a run records whether its nodes can run where it runs.
 */
export function workflowWorkerActivities(
  activities: ActivityMap | undefined,
  polls: boolean,
): Pick<WorkerOptions, 'activities' | 'enableNonLocalActivities'> {
  const here = activities !== undefined && 'runNode' in activities;
  const host: LocalNodeHost = { localNodesHere: () => Promise.resolve(here) };
  return { activities: { ...activities, ...host }, ...(polls ? {} : { enableNonLocalActivities: false }) };
}
