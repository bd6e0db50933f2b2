import { auditTable } from './audit-table';

/** Markers of committed node builds per transform invocation: what makes a retried build a no-op. */
export const TRANSFORM_NODE_RUNS = auditTable(
  'transform_node_runs',
  {
    invocation_id: 'VARCHAR NOT NULL',
    node_id: 'VARCHAR NOT NULL',
    rows_affected: 'BIGINT',
    finished_at: 'TIMESTAMP',
  },
  ['invocation_id', 'node_id'],
);
