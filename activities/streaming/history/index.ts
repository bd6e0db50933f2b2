export * from './scd2-sql';
export * from './history-tables';
export * from './topic-history';
export * from './status-history';
export * from './touched-keys';
