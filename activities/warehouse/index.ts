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
export { evolveTable, type EvolvingTable, type SchemaChange } from './schema-evolution';
export { defineEngine, type Engine, type SectionCheck } from './engine';
export { DEFAULT_ENGINE, ENGINES, engineForTarget, engineNamed, type EngineName } from './engines';
export {
  chosenEngine,
  computeWarehouseOf,
  lineageNamespaceOf,
  openChosenWarehouse,
  singleWriterOf,
  type SingleWriter,
  warehouseSchema,
  withResolvedPaths,
  type WarehouseConfig,
} from './warehouse-config';
export { WarehouseConfigError } from './config-secrets';
export type { DuckDbConfig } from './duckdb/duckdb-config';
export type { SnowflakeConfig } from './snowflake/snowflake-config';
export type { ColumnMask, GovernanceDialect, GovernanceSettings, GovernedObject } from './governance-dialect';
