import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DuckDbWarehouse, SnowflakeWarehouse, type Warehouse } from '../activities/warehouse';
import type { EdpConfig } from '../lib/config/schema';
import { ConfigError } from '../lib/errors';

/** Raised when the configured warehouse cannot be opened for a reason a person must fix (a missing secret). */
export class WarehouseConfigError extends ConfigError {}

function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new WarehouseConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}

type SnowflakeConfig = NonNullable<EdpConfig['warehouse']['snowflake']>;

function envSecret(env: NodeJS.ProcessEnv, name: string, key: string): string {
  const value = env[name];
  if (!value) throw new WarehouseConfigError(`${key}: environment variable ${name} is not set`);
  return value;
}

/**
 * The private key for key-pair auth as unencrypted PKCS#8 PEM (what the driver signs with), from
 * `privateKeyFile` or `privateKeyEnv`, decrypted with the configured passphrase; undefined without one.
 */
export function snowflakePrivateKey(sf: SnowflakeConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = sf.privateKeyFile ? 'warehouse.snowflake.privateKeyFile' : 'warehouse.snowflake.privateKeyEnv';
  let pem: string;
  if (sf.privateKeyFile) pem = readSecret(sf.privateKeyFile, key);
  else if (sf.privateKeyEnv)
    pem = envSecret(env, sf.privateKeyEnv, key).replace(/\\n/g, '\n'); // one-line env values
  else return undefined;
  const passphrase = sf.privateKeyPassphraseFile
    ? readSecret(sf.privateKeyPassphraseFile, 'warehouse.snowflake.privateKeyPassphraseFile')
    : sf.privateKeyPassphraseEnv
      ? envSecret(env, sf.privateKeyPassphraseEnv, 'warehouse.snowflake.privateKeyPassphraseEnv')
      : undefined;
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase ? { passphrase } : {}) })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
  } catch (err) {
    const hint = passphrase
      ? 'with the configured passphrase'
      : '(an encrypted key needs warehouse.snowflake.privateKeyPassphraseEnv or privateKeyPassphraseFile)';
    throw new WarehouseConfigError(`${key}: not a usable PEM private key ${hint}: ${(err as Error).message}`);
  }
}

/** Opens the warehouse `warehouse.engine` names: the DuckDB file, or a Snowflake connection pool. */
export async function openWarehouse(config: EdpConfig, env: NodeJS.ProcessEnv = process.env): Promise<Warehouse> {
  const w = config.warehouse;
  if (w.engine !== 'snowflake') return DuckDbWarehouse.open(w.duckdb);
  const sf = w.snowflake!;
  const privateKey = snowflakePrivateKey(sf, env);
  const password = sf.passwordFile
    ? readSecret(sf.passwordFile, 'warehouse.snowflake.passwordFile')
    : env[sf.passwordEnv];
  if (!privateKey && !password) {
    throw new WarehouseConfigError(
      `Snowflake needs a secret: set ${sf.passwordEnv} (warehouse.snowflake.passwordEnv), or warehouse.snowflake.passwordFile / privateKeyFile / privateKeyEnv`,
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
