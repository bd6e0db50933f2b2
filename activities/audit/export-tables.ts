import { auditTable } from './audit-table';

/** One row per mart export of a pipeline run. */
export const EXPORT_MANIFEST = auditTable('export_manifest', {
  run_id: 'VARCHAR',
  mart: 'VARCHAR',
  mode: 'VARCHAR',
  table_path: 'VARCHAR',
  interval_start: 'TIMESTAMPTZ',
  delta_version: 'BIGINT',
  txn_version: 'BIGINT',
  rows: 'BIGINT',
  bytes: 'BIGINT',
  files: 'INTEGER',
  exported_at: 'TIMESTAMPTZ',
});
