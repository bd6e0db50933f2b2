/** Export of curated marts as Delta Lake tables (Parquet files plus a transaction log). */
export * from './export-activities';
export * from './delta-log';
