/** Batch ingest: landing-zone discovery and exactly-once file loads into `raw`. */
export * from './ingest-deps';
export * from './ingest-activities';
export * from './check-landing-files';
export * from './load-landing-file';
export * from './record-load';
export * from './landing-files';
export * from './extract-activities';
export * from './extract-sql-table';
export * from './sql-source';
export * from './postgres-source';
