import { writeHeartbeat } from './heartbeat-writer';
import { measureStreams, type StreamMonitorDeps } from './measure-streams';
import { recordStreamMonitorFailure, type MonitorFailure } from './monitor-failure';

/** Builds the streaming monitor's activities: the check, a failed check's record, the source heartbeat. */
export function createStreamMonitorActivities(deps: StreamMonitorDeps) {
  return {
    /** See {@link measureStreams}. */
    measureStreams: () => measureStreams(deps),
    /** See {@link recordStreamMonitorFailure}. */
    recordStreamMonitorFailure: (failure: MonitorFailure) => recordStreamMonitorFailure(deps, failure),
    /** See {@link writeHeartbeat}. */
    writeHeartbeat: () => writeHeartbeat({ sources: deps.sources ?? [], streaming: deps.streaming }),
  };
}
