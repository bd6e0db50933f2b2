import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/errors';

/** Where one secret comes from: the environment variable (`<key>Env`) or the file (`<key>File`) the config names. */
export interface SecretSource {
  env?: string;
  file?: string;
}

/**
 * Reads a file the config names under `key` (a certificate, a key, a password file); a missing or
 * unreadable file is a {@link ConfigError} naming the key.
 */
export function readConfiguredFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      fix: key,
    });
  }
}

/**
 * The secret `<key>Env` or `<key>File` points at, read now (never stored in config); undefined when
 * neither is set. An unset or empty variable, or an unreadable file, is a {@link ConfigError} naming the key.
 */
export function readSecret(
  key: string,
  source: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (source.env !== undefined) {
    const value = env[source.env];
    if (!value) throw new ConfigError(`environment variable ${source.env} is not set`, { fix: `${key}Env` });
    return value;
  }
  return source.file === undefined ? undefined : readConfiguredFile(`${key}File`, source.file);
}

/** A one-line secret (a password, an API key): as {@link readSecret}, a file's final line break dropped (`echo secret > file` writes one). */
export function readSecretLine(
  key: string,
  source: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return readSecret(key, source, env)?.replace(/\r?\n$/, '');
}

/** The config key a secret comes from: `<key>Env` or `<key>File`, whichever is set (`<key><fallback>` if neither). */
export function secretKey(key: string, source: SecretSource, fallback: 'Env' | 'File' = 'File'): string {
  if (source.env !== undefined) return `${key}Env`;
  return source.file !== undefined ? `${key}File` : `${key}${fallback}`;
}
