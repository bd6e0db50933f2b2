import { createPrivateKey } from 'node:crypto';
import { envSecret, readSecret, WarehouseConfigError } from '../config-secrets';
import type { SnowflakeConfig } from './snowflake-config';

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

/** The login secrets of `sf`: a private key, a password, or both; a config error when there is neither. */
export function snowflakeSecrets(
  sf: SnowflakeConfig,
  env: NodeJS.ProcessEnv,
): { privateKey?: string; password?: string } {
  const privateKey = snowflakePrivateKey(sf, env);
  const password = sf.passwordFile
    ? readSecret(sf.passwordFile, 'warehouse.snowflake.passwordFile')
    : env[sf.passwordEnv];
  if (!privateKey && !password) {
    throw new WarehouseConfigError(
      `Snowflake needs a secret: set ${sf.passwordEnv} (warehouse.snowflake.passwordEnv), or warehouse.snowflake.passwordFile / privateKeyFile / privateKeyEnv`,
    );
  }
  return { privateKey, password };
}
