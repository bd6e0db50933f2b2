import { readFileSync } from 'node:fs';
import { DuckDbWarehouse, SnowflakeWarehouse, type Warehouse } from '../activities/warehouse';
import type { EdpConfig } from '../lib/config/schema';

/** Raised when the configured warehouse cannot be opened for a reason a person must fix (a missing secret). */
export class WarehouseConfigError extends Error {
  override name = 'WarehouseConfigError';
}

function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new WarehouseConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}

/** Opens the warehouse `warehouse.engine` names: the DuckDB file, or a Snowflake connection pool. */
export async function openWarehouse(config: EdpConfig, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  const w = config.warehouse;
  if (w.engine !== 'snowflake') return DuckDbWarehouse.open(w.duckdb);
  const sf = w.snowflake!;
  const privateKey = sf.privateKeyFile
    ? readSecret(sf.privateKeyFile, 'warehouse.snowflake.privateKeyFile')
    : undefined;
  const password = sf.passwordFile
    ? readSecret(sf.passwordFile, 'warehouse.snowflake.passwordFile')
    : env[sf.passwordEnv];
  if (!privateKey && !password) {
    throw new WarehouseConfigError(
      `Snowflake needs a secret: set ${sf.passwordEnv} (warehouse.snowflake.passwordEnv), or warehouse.snowflake.passwordFile / privateKeyFile`,
    );
  }
  return SnowflakeWarehouse.open({
    account: sf.account,
    username: sf.user,
    password,
    privateKey,
    database: sf.database,
    schema: sf.schema,
    warehouse: sf.warehouse,
    role: sf.role,
    accessUrl: sf.accessUrl,
    poolMax: sf.poolMax,
    stage: sf.stage,
  });
}
