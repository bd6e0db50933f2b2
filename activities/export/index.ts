/** Export of curated marts to the export location. */
export * from './export-activities';
