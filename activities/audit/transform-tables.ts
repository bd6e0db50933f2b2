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

/**
 * Planned dbt manifests by checksum, so a node runs on any worker, not only the one that planned it:
 * the manifest JSON gzipped and base64-encoded, in parts small enough for one bound value each.
 */
export const TRANSFORM_MANIFESTS = auditTable(
  'transform_manifests',
  {
    checksum: 'VARCHAR NOT NULL',
    part: 'BIGINT NOT NULL',
    parts: 'BIGINT NOT NULL',
    body: 'VARCHAR NOT NULL',
    stored_at: 'TIMESTAMPTZ',
  },
  ['checksum', 'part'],
);
