import { auditTable } from './audit-table';

/** One row per change the platform applied to a table it loads (a column added, a type widened). */
export const SCHEMA_CHANGES = auditTable('schema_changes', {
  table_name: 'VARCHAR NOT NULL',
  column_name: 'VARCHAR NOT NULL',
  change: 'VARCHAR NOT NULL',
  from_type: 'VARCHAR',
  to_type: 'VARCHAR',
  origin: 'VARCHAR',
  changed_at: 'TIMESTAMPTZ',
});
