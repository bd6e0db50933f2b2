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
