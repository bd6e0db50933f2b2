export * from './sla-activities';
export * from './sla-evaluate';
export * from './pipeline-runs';
export * from './breach-recorder';
export * from './freshness-states';
