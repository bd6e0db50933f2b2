import { classified } from '../errors';
import { recordRunIncidents, type IncidentDeps } from './incident-recorder';
import type { RunIncidentReport, RunIncidentResult } from './incidents';

/** Builds the alert activities. */
export function createAlertActivities(deps: IncidentDeps) {
  return {
    /**
     * Records what a pipeline run found wrong in its interval and what it found fine again, and alerts each
     * incident's opening and recovery once to the webhooks its kind routes to.
     */
    async recordRunIncidents(report: RunIncidentReport): Promise<RunIncidentResult> {
      return classified('recording alert incidents', () => recordRunIncidents(deps, report));
    },
  };
}
