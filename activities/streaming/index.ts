export * from './stream-event';
export * from './stream-tables';
export * from './stream-merge';
export * from './stream-ingest-activities';
export * from './stream-monitor-activities';
export * from './stream-backfill-activities';
