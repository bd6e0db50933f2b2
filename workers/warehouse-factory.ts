import { openChosenWarehouse, type Warehouse } from '../activities/warehouse';
import type { EdpConfig } from './config-schema';

export { WarehouseConfigError } from '../activities/warehouse';

/** Opens the warehouse `warehouse.engine` names (the DuckDB file, a Snowflake connection pool, …). */
export async function openWarehouse(config: EdpConfig, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  return openChosenWarehouse(config.warehouse, env);
}
