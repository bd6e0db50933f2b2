/** The warehouse capability: the engine-neutral interface, its dialects and the engines behind it. */
export * from './warehouse';
export * from './dialect';
export { DuckDbWarehouse, type DuckDbOptions } from './duckdb/duckdb-warehouse';
export { WarehouseLockedError } from './duckdb/duckdb-errors';
export { duckdbDialect } from './duckdb/duckdb-dialect';
export { ensureOnce, ensureSchema } from './schemas';
export { snowflakeDialect } from './snowflake/snowflake-dialect';
export { SnowflakeWarehouse, type SnowflakeOptions } from './snowflake/snowflake-warehouse';
export { LOAD_COLUMNS } from './load-tables';
