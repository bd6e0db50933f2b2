/** Data quality: rule files, the rule engine (batch tables and streaming micro-batches alike), and the gate's activities. */
export * from './quality-activities';
export * from './rule-engine';
export * from './rule-file';
export * from './rule-sql';
export { RULE_TYPES } from './rules';
