/** Near-real-time objects: integration views, curation tables within a target lag, consumption views. */
export * from './realtime-sql';
export * from './realtime-activities';
