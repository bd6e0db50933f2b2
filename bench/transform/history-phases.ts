import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';

/**
 * Where a workflow's time went, from its event history (server timestamps). Each activity goes round one
 * loop: scheduled → started (matching hands it to a poller, or to the worker eagerly) → completed (delivery,
 * body, reply) → the next workflow task scheduled → started (sticky poll) → completed (workflow code, reply,
 * which also schedules the next activities: same timestamp). Sums are over activities; divide by `activities`.
 */
export interface HistoryPhases {
  events: number;
  activities: number;
  /** Activities started within 0.5 ms of being scheduled: handed to the worker in a workflow task's reply (eager). */
  instant: number;
  /** Scheduled → started (waiting for a worker slot / poll). */
  queueMs: number;
  /** Started → completed (delivery + body + reply). */
  runMs: number;
  /** Activity completed → the workflow task that hears of it scheduled (another task was running). */
  toTaskScheduledMs: number;
  /** That workflow task scheduled → started (its poll). */
  taskQueueMs: number;
  /** That workflow task started → completed (the worker running the workflow code and replying). */
  taskRunMs: number;
  workflowTasks: number;
  /** Local activities (their result markers): nodes run inside the workflow worker, with no round trip of their own. */
  localActivities: number;
  /** Workflow task started → completed, summed over workflow tasks. */
  workflowTaskMs: number;
}

const T = proto.api.enums.v1.EventType;

const at = (e: proto.api.history.v1.IHistoryEvent): number =>
  Number(e.eventTime?.seconds?.toString() ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Reads a finished workflow's history and sums each phase of its activities' round trips. */
export async function historyPhases(client: Client, workflowId: string): Promise<HistoryPhases> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  const out: HistoryPhases = {
    events: events.length,
    activities: 0,
    instant: 0,
    queueMs: 0,
    runMs: 0,
    toTaskScheduledMs: 0,
    taskQueueMs: 0,
    taskRunMs: 0,
    workflowTasks: 0,
    localActivities: 0,
    workflowTaskMs: 0,
  };
  /** Completion times of activities whose result no workflow task has been scheduled for yet. */
  let unheard: number[] = [];
  /** Completions waiting for the scheduled workflow task to start, then to complete. */
  let waiting: { completed: number; scheduled: number }[] = [];
  let running: { completed: number; scheduled: number; started: number }[] = [];
  let taskStarted = 0;
  for (const e of events) {
    const t = at(e);
    if (e.eventType === T.EVENT_TYPE_MARKER_RECORDED) out.localActivities++;
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(String(e.eventId), t);
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const s = String(e.activityTaskStartedEventAttributes?.scheduledEventId);
      started.set(s, t);
      // An eagerly dispatched activity starts as it is scheduled: no poll in between.
      if (t - scheduled.get(s)! < 0.5) out.instant++;
    } else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const s = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
      out.activities++;
      out.queueMs += started.get(s)! - scheduled.get(s)!;
      out.runMs += t - started.get(s)!;
      unheard.push(t);
    } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
      for (const completed of unheard) out.toTaskScheduledMs += t - completed;
      waiting.push(...unheard.map((completed) => ({ completed, scheduled: t })));
      unheard = [];
    } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      taskStarted = t;
      for (const w of waiting) out.taskQueueMs += t - w.scheduled;
      running.push(...waiting.map((w) => ({ ...w, started: t })));
      waiting = [];
    } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      out.workflowTasks++;
      out.workflowTaskMs += t - taskStarted;
      for (const r of running) out.taskRunMs += t - r.started;
      running = [];
    }
  }
  return out;
}
