import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/errors';

/** Raised when the configured warehouse cannot be opened for a reason a person must fix (a missing secret). */
export class WarehouseConfigError extends ConfigError {}

/** A secret from a file (a mounted secret); `what` names the config key in the error. */
export function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new WarehouseConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}

/** A secret from environment variable `name`, which config key `key` names. */
export function envSecret(env: NodeJS.ProcessEnv, name: string, key: string): string {
  const value = env[name];
  if (!value) throw new WarehouseConfigError(`${key}: environment variable ${name} is not set`);
  return value;
}
