/** Export of curated marts as Delta Lake tables (Parquet files plus a transaction log). */
export * from './export-activities';
export * from './export-mart';
export * from './delta-log';
export * from './delta-actions';
