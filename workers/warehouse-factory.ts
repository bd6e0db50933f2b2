import type { Warehouse } from '../activities/warehouse/warehouse';
import { openChosenWarehouse } from '../activities/warehouse/warehouse-config';
import type { EdpConfig } from './config-schema';

export { WarehouseConfigError } from '../activities/warehouse/config-secrets';

/** Opens the warehouse `warehouse.engine` names (the DuckDB file, a Snowflake connection pool, …). */
export async function openWarehouse(config: EdpConfig, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  return openChosenWarehouse(config.warehouse, env);
}
