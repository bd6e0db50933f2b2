import { measureStreams, type StreamMonitorDeps } from './measure-streams';

/** Builds the streaming monitor activity. */
export function createStreamMonitorActivities(deps: StreamMonitorDeps) {
  return {
    /** See {@link measureStreams}. */
    measureStreams: () => measureStreams(deps),
  };
}
