import type { TableRef } from '../warehouse/warehouse';
import { AUDIT_SCHEMA, auditTable } from './audit-table';

/** One row per loaded landing file, keyed by content: a retry, re-run or backfill skips what is there. */
export const INGEST_MANIFEST = auditTable(
  'ingest_manifest',
  {
    entity: 'VARCHAR NOT NULL',
    file: 'VARCHAR NOT NULL',
    checksum: 'VARCHAR NOT NULL',
    bytes: 'BIGINT',
    rows_in: 'BIGINT',
    rows_loaded: 'BIGINT',
    rows_quarantined: 'BIGINT',
    run_id: 'VARCHAR',
    interval_start: 'TIMESTAMPTZ',
    interval_end: 'TIMESTAMPTZ',
    loaded_at: 'TIMESTAMPTZ',
    status: 'VARCHAR',
    reason: 'VARCHAR',
    load_id: 'BIGINT',
  },
  ['entity', 'file', 'checksum'],
);

/** The sequence numbering file loads: raw rows carry it as `_edp_load_id`, the manifest as `load_id`. */
export const INGEST_LOAD_ID: TableRef = Object.freeze({ schema: AUDIT_SCHEMA, table: 'ingest_load_id' });

/** Per SQL source table: the committed extraction watermark. */
export const SOURCE_WATERMARKS = auditTable(
  'source_watermarks',
  {
    source: 'VARCHAR',
    table_name: 'VARCHAR',
    watermark: 'VARCHAR',
    rows_loaded: 'BIGINT',
    run_id: 'VARCHAR',
    extracted_at: 'TIMESTAMPTZ',
  },
  ['source', 'table_name'],
);
