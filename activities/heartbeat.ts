import { Context } from '@temporalio/activity';

/** The running activity's context; undefined outside an activity (CLI, unit test, benchmark). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (CLI, unit test)
  }
}

/**
 * Heartbeats every `everyMs` while `work` runs, so a crashed worker is noticed within the activity's
 * heartbeat timeout instead of its (much longer) start-to-close timeout.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, details?: unknown, everyMs = 2000): Promise<T> {
  const ctx = activityContext();
  // A local activity has no heartbeat (the SDK only logs a warning per beat): its worker keeps its workflow task alive.
  if (!ctx || ctx.info.isLocal) return work();
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
