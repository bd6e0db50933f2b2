import type { SlaState } from './sla-evaluate';

/** The SLA the streaming monitor's own checks hold: it could measure the streams. */
export const MONITOR_SLA = 'monitor';

/** The SLA of a heartbeat source: its beats keep reaching staging (`quiet:<source>`). */
export const quietSla = (source: string): string => `quiet:${source}`;

/** The SLA of a curation table: its data is within its target lag (`target-lag:<table>`). */
export const targetLagSla = (table: string): string => `target-lag:${table}`;

/**
 * The monitor's state after `failedChecks` checks in a row failed with `errorClass` (a class name, never
 * a message: messages may quote values); breached from `failedChecksBeforeBreach` failures on.
 */
export function monitorFailureState(
  errorClass: string,
  failedChecks: number,
  failedChecksBeforeBreach: number,
): SlaState {
  return {
    sla: MONITOR_SLA,
    breached: failedChecks >= failedChecksBeforeBreach,
    detail: `stream monitor cannot measure: ${errorClass} (${failedChecks} checks in a row)`,
  };
}

/** The monitor's state after a check that measured every topic. */
export function monitorMeasuredState(topics: number): SlaState {
  return { sla: MONITOR_SLA, breached: false, detail: `stream monitor measured ${topics} topics` };
}

/**
 * A heartbeat source's state: breached ("source quiet") when the newest heartbeat in staging is older
 * than the freshness budget. Before the first heartbeat arrives there is no age to judge, so it holds.
 */
export function quietState(source: string, delaySeconds: number | null, maxDelaySeconds: number): SlaState {
  if (delaySeconds === null)
    return { sla: quietSla(source), breached: false, detail: `no heartbeat of ${source} has reached staging yet` };
  return delaySeconds > maxDelaySeconds
    ? {
        sla: quietSla(source),
        breached: true,
        detail: `source quiet: the newest heartbeat of ${source} in staging is ${delaySeconds} s old (budget ${maxDelaySeconds} s)`,
      }
    : {
        sla: quietSla(source),
        breached: false,
        detail: `heartbeats of ${source} arriving: the newest in staging is ${delaySeconds} s old (budget ${maxDelaySeconds} s)`,
      };
}

/** A curation table's lag as the realtime layer reports it. */
export interface TableLag {
  table: string;
  targetLagSeconds: number;
  lagSeconds: number | null;
}

/** One state per curation table that has data: breached while its lag exceeds its target lag. */
export function targetLagStates(lags: readonly TableLag[]): SlaState[] {
  return lags
    .filter((l) => l.lagSeconds !== null)
    .map((l) => ({
      sla: targetLagSla(l.table),
      breached: l.lagSeconds! > l.targetLagSeconds,
      detail: `${l.table} is ${Math.round(l.lagSeconds!)} s behind its sources (target lag ${l.targetLagSeconds} s)`,
    }));
}

/** The SLA of a streamed topic's consumer: alive and making progress whenever the topic has lag (`stalled:<topic>`). */
export const stalledSla = (topic: string): string => `stalled:${topic}`;

/** Temporal statuses of a consumer workflow that will not consume again until someone starts it. */
const DEAD_STATUSES = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT']);

/** What the monitor knows of one topic's consumer at a check. */
export interface ConsumerProgress {
  topic: string;
  /** The consumer workflow's id, and its Temporal status (undefined when no such workflow was ever started). */
  workflowId: string;
  status?: string;
  /** Messages in Kafka not yet in the warehouse. */
  lag: number;
  /** Seconds since the consumer last committed or was last seen caught up; null when the monitor has not watched long enough to say. */
  stuckSeconds: number | null;
  stalledAfterSeconds: number;
}

/**
 * A consumer's state: breached ("consumer dead") when its workflow failed, was terminated or timed out, or
 * ("stalled") when the topic has had lag for `stalledAfterSeconds` without a commit. A cancelled consumer was
 * stopped on purpose (`edp stream stop`): only the lag rule judges it.
 */
export function stalledState(c: ConsumerProgress): SlaState {
  const sla = stalledSla(c.topic);
  if (c.status !== undefined && DEAD_STATUSES.has(c.status))
    return {
      sla,
      breached: true,
      detail: `consumer dead: ${c.workflowId} is ${c.status} (${c.lag} messages behind)`,
    };
  if (c.lag > 0 && c.stuckSeconds !== null && c.stuckSeconds > c.stalledAfterSeconds)
    return {
      sla,
      breached: true,
      detail: `consumer stalled: ${c.topic} made no progress for ${c.stuckSeconds} s with ${c.lag} messages behind (budget ${c.stalledAfterSeconds} s)`,
    };
  return {
    sla,
    breached: false,
    detail:
      c.lag > 0 ? `consumer of ${c.topic} progressing (${c.lag} messages behind)` : `consumer of ${c.topic} caught up`,
  };
}

/**
 * The alert kind that routes an SLA's breach and recovery (`alerts.routes`): `stream-stalled` for a stalled
 * or dead consumer, `target-lag` for a curation table behind its target lag, `sla-breach` for the others.
 */
export function slaAlertKind(sla: string): string {
  if (sla.startsWith('stalled:')) return 'stream-stalled';
  if (sla.startsWith('target-lag:')) return 'target-lag';
  return 'sla-breach';
}
