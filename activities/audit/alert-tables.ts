import { auditTable } from './audit-table';

/**
 * What went wrong in a pipeline's interval, one row per incident: open while `closed_at` is null. At most one
 * incident per dedup key (pipeline, interval, kind, subject) is open, so re-runs that find it again add nothing.
 */
export const ALERT_INCIDENTS = auditTable('alert_incidents', {
  incident_id: 'VARCHAR',
  dedup_key: 'VARCHAR',
  pipeline: 'VARCHAR',
  /** ISO instants, as the workflow's interval carries them. */
  interval_start: 'VARCHAR',
  interval_end: 'VARCHAR',
  kind: 'VARCHAR',
  subject: 'VARCHAR',
  severity: 'VARCHAR',
  detail: 'VARCHAR',
  workflow_id: 'VARCHAR',
  run_id: 'VARCHAR',
  opened_at: 'TIMESTAMPTZ',
  closed_at: 'TIMESTAMPTZ',
  closed_by_workflow_id: 'VARCHAR',
  closed_by_run_id: 'VARCHAR',
});

/** Which incident alerts and recoveries went to which webhook, so a retry resends only what did not. */
export const ALERT_DELIVERIES = auditTable('alert_deliveries', {
  incident_id: 'VARCHAR',
  event: 'VARCHAR',
  webhook: 'VARCHAR',
  sent_at: 'TIMESTAMPTZ',
});
