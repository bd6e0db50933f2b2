/**
 * The audit schema: every `audit.*` table's declaration, the versioned migrations that create and
 * change them, and typed readers for the CLI and the console. Writers live with their activities and
 * take table names from here.
 */
export * from './audit-table';
export * from './audit-tables';
export * from './audit-migrations';
export * from './audit-migrate';
export * from './audit-source';
export * from './dead-letter-tables';
export * from './export-tables';
export * from './ingest-tables';
export * from './quality-tables';
export * from './realtime-tables';
export * from './sla-tables';
export * from './streaming-tables';
export * from './transform-tables';
export * from './schema-change-tables';
export * from './alert-tables';
export * from './quality-reader';
export * from './dead-letter-reader';
export * from './sla-reader';
export * from './run-reader';
export * from './schema-change-reader';
export * from './row-lock';
