export * from './debezium-values';
export * from './debezium-envelope';
