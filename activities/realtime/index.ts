/** Near-real-time objects: integration views, curation tables within a target lag, consumption views. */
export * from './realtime-sql';
export * from './realtime-deps';
export * from './realtime-activities';
export * from './deploy-realtime';
export * from './refresh-realtime';
export * from './realtime-lag';
export * from './fallback-sql';
export * from './curation-order';
export { timestampMs } from './realtime-refresh-state';
