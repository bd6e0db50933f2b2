import { monitorFailureState, recordSlaStates } from '../sla';
import type { StreamMonitorDeps } from './measure-streams';

/** Failed checks in a row before the monitor's breach opens, when `streaming.monitor.failedChecksBeforeBreach` is unset. */
export const DEFAULT_FAILED_CHECKS_BEFORE_BREACH = 3;

/** A failed monitor check as the workflow saw it. */
export interface MonitorFailure {
  /** The failure's class (`KafkaJSNumberOfRetriesExceeded`, `TimeoutFailure`): never its message. */
  errorClass: string;
  /** Checks in a row that failed, this one included. */
  failedChecks: number;
}

/**
 * Records a failed check of the streaming monitor: from `streaming.monitor.failedChecksBeforeBreach`
 * failures in a row on, the `monitor` SLA of pipeline `streaming` is breached ("stream monitor cannot
 * measure: <class>"), alerted once; the next check that measures closes it. Fewer failures record nothing.
 */
export async function recordStreamMonitorFailure(
  deps: StreamMonitorDeps,
  failure: MonitorFailure,
): Promise<{ opened: string[]; alertsSent: number }> {
  const before = deps.streaming.monitor.failedChecksBeforeBreach ?? DEFAULT_FAILED_CHECKS_BEFORE_BREACH;
  if (failure.failedChecks < before) return { opened: [], alertsSent: 0 };
  const state = monitorFailureState(failure.errorClass, failure.failedChecks, before);
  const { opened, alertsSent } = await recordSlaStates(
    deps.warehouse,
    'streaming',
    [state],
    deps.webhooks,
    new Date(),
    deps.alerts?.routes,
  );
  return { opened, alertsSent };
}
