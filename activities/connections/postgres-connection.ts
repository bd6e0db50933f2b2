import pg from 'pg';
import type { SqlSourceConfig } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { readConfiguredFile, readSecretLine, secretKey } from './secrets';
import { tlsFailureOf } from './tls-probe';

/** The config key of a setting of SQL source `source` (`sources[claims_db].sslmode`). */
export function sourceKey(source: Pick<SqlSourceConfig, 'name'>, setting: string): string {
  return `sources[${source.name}].${setting}`;
}

type SourceConnection = Pick<SqlSourceConfig, 'name' | 'host' | 'port' | 'user' | 'passwordEnv' | 'passwordFile'> &
  Pick<SqlSourceConfig, 'sslmode' | 'sslCaFile'>;

/** node-postgres TLS options for a libpq `sslmode`; false for `disable`. */
function sslOptions(source: SourceConnection): pg.ClientConfig['ssl'] {
  const ca =
    source.sslCaFile === undefined ? undefined : readConfiguredFile(sourceKey(source, 'sslCaFile'), source.sslCaFile);
  switch (source.sslmode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is checked, the host name is not (libpq's verify-ca).
      return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ca, rejectUnauthorized: true };
  }
}

/**
 * The one node-postgres settings builder for SQL sources: host, user, the password from the variable or
 * file the config names (read now), and TLS per `sslmode` with the configured CA.
 */
export function postgresClientConfig(
  source: SourceConnection,
  database: string,
  env: NodeJS.ProcessEnv = process.env,
): pg.ClientConfig {
  return {
    host: source.host,
    port: source.port,
    user: source.user,
    database,
    password: readSecretLine(
      sourceKey(source, 'password'),
      { env: source.passwordEnv, file: source.passwordFile },
      env,
    ),
    ssl: sslOptions(source),
    connectionTimeoutMillis: 10_000,
  };
}

/** SQLSTATE of a refused password, and of a login no pg_hba.conf line admits. */
const INVALID_PASSWORD = '28P01';
const INVALID_AUTHORIZATION = '28000';

/** A refused TLS handshake or login as the non-retryable error naming the key to change; other errors unchanged. */
export function explainPostgresError(source: SourceConnection, err: unknown): unknown {
  const e = err as Error & { code?: string };
  const at = `${source.host}:${source.port}`;
  const tls = typeof e?.message === 'string' ? tlsFailureOf(e) : undefined;
  if (tls?.side === 'server') {
    const name = /altname|does not match/i.test(tls.reason);
    return new ConfigError(
      `the server certificate of ${at} was refused (${tls.reason}): ${
        name ? 'connect by the name it carries, or use sslmode verify-ca' : 'set the CA that signed it'
      }`,
      { fix: sourceKey(source, name ? 'sslmode' : 'sslCaFile'), cause: err },
    );
  }
  if (e?.message === 'The server does not support SSL connections') {
    return new ConfigError(`${at} does not offer SSL: turn ssl on there, or set sslmode disable`, {
      fix: sourceKey(source, 'sslmode'),
      cause: err,
    });
  }
  if (e?.code === INVALID_AUTHORIZATION && /no encryption/.test(e.message)) {
    return new ConfigError(`${at} requires SSL (${e.message}): set sslmode require or stricter`, {
      fix: sourceKey(source, 'sslmode'),
      cause: err,
    });
  }
  if (e?.code === INVALID_PASSWORD || (e?.code === INVALID_AUTHORIZATION && /password/.test(e.message))) {
    return new ConfigError(`${at} refused the login of ${source.user} (${e.message}): check the password`, {
      fix: secretKey(sourceKey(source, 'password'), { env: source.passwordEnv, file: source.passwordFile }, 'Env'),
      cause: err,
    });
  }
  return err;
}

/** Connects a node-postgres client to `database` of the source, a refused TLS handshake or login explained. */
export async function connectPostgres(
  source: SourceConnection,
  database: string,
  extra: Pick<pg.ClientConfig, 'types'> = {},
): Promise<pg.Client> {
  const client = new pg.Client({ ...postgresClientConfig(source, database), ...extra });
  try {
    await client.connect();
  } catch (err) {
    throw explainPostgresError(source, err);
  }
  return client;
}
