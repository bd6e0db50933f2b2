/** Batch ingest: landing-zone discovery and exactly-once file loads into `raw`. */
export * from './ingest-activities';
export * from './landing-files';
export * from './extract-activities';
export * from './sql-source';
export * from './postgres-source';
