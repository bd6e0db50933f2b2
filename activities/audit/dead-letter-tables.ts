import { auditTable } from './audit-table';

/** Failed pipeline runs: what to retry (the interval) and why they failed. */
export const DEAD_LETTERS = auditTable('dead_letters', {
  run_id: 'VARCHAR',
  workflow_id: 'VARCHAR',
  pipeline: 'VARCHAR',
  interval_start: 'TIMESTAMPTZ',
  interval_end: 'TIMESTAMPTZ',
  step: 'VARCHAR',
  step_workflow_id: 'VARCHAR',
  error: 'VARCHAR',
  failed_at: 'TIMESTAMPTZ',
});
