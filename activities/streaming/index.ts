export * from './stream-event';
export * from './stream-tables';
export * from './stream-merge';
export * from './stream-ingest-activities';
