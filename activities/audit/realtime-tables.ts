import { auditTable } from './audit-table';

/** Per curation table refreshed by the platform: its last refresh, and what it was built from. */
export const REALTIME_STATE = auditTable(
  'realtime_state',
  {
    table_name: 'VARCHAR',
    data_ms: 'BIGINT',
    data_timestamp: 'TIMESTAMPTZ',
    mode: 'VARCHAR',
    row_count: 'BIGINT',
    duration_ms: 'BIGINT',
    full_ms: 'BIGINT',
    sql_hash: 'VARCHAR',
  },
  ['table_name'],
);
