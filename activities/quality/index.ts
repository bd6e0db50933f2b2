/** Data quality: rule files, checks and the results the gate reads. */
export * from './quality-activities';
export * from './rule-file';
