/** Alerts: webhook formats (JSON, Slack, PagerDuty), and incidents of pipeline runs alerted once and recovered once. */
export * from './webhook';
export * from './incidents';
export * from './alert-links';
export * from './incident-recorder';
export * from './alert-activities';
