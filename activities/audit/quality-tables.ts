import { auditTable } from './audit-table';

/** One row per rule per quality run. */
export const QUALITY_RULE_RESULTS = auditTable('quality_rule_results', {
  run_id: 'VARCHAR',
  interval_start: 'TIMESTAMPTZ',
  interval_end: 'TIMESTAMPTZ',
  table_name: 'VARCHAR',
  checked_table: 'VARCHAR',
  rule: 'VARCHAR',
  rule_type: 'VARCHAR',
  severity: 'VARCHAR',
  passed: 'BOOLEAN',
  checked_rows: 'BIGINT',
  failed_rows: 'BIGINT',
  failed_percent: 'DOUBLE',
  message: 'VARCHAR',
  sample_keys: 'VARCHAR',
  sql: 'VARCHAR',
  checked_at: 'TIMESTAMPTZ',
});

/** One row per checked table per quality run: its score. */
export const QUALITY_SCORES = auditTable('quality_scores', {
  run_id: 'VARCHAR',
  interval_start: 'TIMESTAMPTZ',
  table_name: 'VARCHAR',
  checked_table: 'VARCHAR',
  row_count: 'BIGINT',
  invalid_rows: 'BIGINT',
  quarantined_rows: 'BIGINT',
  score: 'DOUBLE',
  scored_at: 'TIMESTAMPTZ',
});
