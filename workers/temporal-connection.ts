import { Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection } from '@temporalio/worker';
import {
  probeTls,
  readSecretLine,
  secretKey,
  tlsMaterial,
  tlsRefused,
  type TlsMaterial,
} from '../activities/connections';
import { ConfigError } from '../lib/errors';
import type { EdpConfig } from './config-schema';

type TemporalSettings = EdpConfig['temporal'];

/** What both Temporal connections (the worker's native one, the clients') take: address, TLS, API key. */
export interface TemporalConnectionOptions {
  address: string;
  /** TLS settings; set whenever `temporal.tls` or an API key is (Temporal Cloud takes keys over TLS only). */
  tls?: TLSConfig;
  apiKey?: string;
}

const bytes = (pem: string | Buffer | undefined): Buffer | undefined =>
  pem === undefined ? undefined : Buffer.from(pem);

function material(temporal: TemporalSettings, env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  if (temporal.tls !== undefined) return tlsMaterial('temporal.tls', temporal.tls, env);
  return apiKeyOf(temporal, env) === undefined ? undefined : {};
}

function apiKeyOf(temporal: TemporalSettings, env: NodeJS.ProcessEnv): string | undefined {
  return readSecretLine('temporal.apiKey', { env: temporal.apiKeyEnv, file: temporal.apiKeyFile }, env);
}

/**
 * The one Temporal connection builder's settings: `temporal.address`, the CA, client certificate and key
 * of `temporal.tls` and the API key, secrets read now. A missing file or variable is a {@link ConfigError}
 * naming its key.
 */
export function temporalConnectionOptions(
  temporal: TemporalSettings,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionOptions {
  const m = material(temporal, env);
  const apiKey = apiKeyOf(temporal, env);
  const cert = bytes(m?.cert);
  const key = bytes(m?.key);
  const tls: TLSConfig | undefined = m && {
    serverRootCACertificate: bytes(m.ca),
    clientCertPair: cert && key ? { crt: cert, key } : undefined,
    serverNameOverride: m.serverName,
  };
  return { address: temporal.address, ...(tls && { tls }), ...(apiKey !== undefined && { apiKey }) };
}

/** gRPC status codes and Core's words for a call the server refused for its credentials. */
const REFUSED_CREDENTIALS =
  /\b(16 UNAUTHENTICATED|7 PERMISSION_DENIED)\b|valid authentication credentials|permission denied/i;

/** The refused TLS handshake with the frontend, tried once with Node's TLS to see which certificate is refused. */
async function tlsRefusal(temporal: TemporalSettings, env: NodeJS.ProcessEnv): Promise<ConfigError | undefined> {
  const m = material(temporal, env);
  if (m === undefined) return undefined;
  const at = temporal.address.lastIndexOf(':');
  const host = temporal.address.slice(0, at).replace(/^\[|\]$/g, '');
  const failure = await probeTls(host, Number(temporal.address.slice(at + 1)), m, {
    alpn: ['h2'],
    serverSpeaksFirst: true,
  });
  return failure && tlsRefused('temporal.tls', temporal.tls ?? {}, failure, temporal.address);
}

/**
 * Why the connection to Temporal failed, when a key can fix it: a refused API key or client identity, or
 * a refused TLS handshake. Undefined otherwise (the server is down or unreachable: retrying can help).
 */
export async function explainTemporalFailure(
  temporal: TemporalSettings,
  err: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigError | undefined> {
  const detail = [err, (err as Error | undefined)?.cause].map((e) => (e as Error | undefined)?.message ?? '').join(' ');
  if (REFUSED_CREDENTIALS.test(detail)) {
    const key =
      temporal.apiKeyEnv !== undefined || temporal.apiKeyFile !== undefined || temporal.tls === undefined
        ? secretKey('temporal.apiKey', { env: temporal.apiKeyEnv, file: temporal.apiKeyFile }, 'Env')
        : secretKey('temporal.tls.cert', { env: temporal.tls.certEnv, file: temporal.tls.certFile });
    return new ConfigError(`Temporal at ${temporal.address} refused the credentials (${detail.trim()})`, {
      fix: key,
      cause: err,
    });
  }
  return tlsRefusal(temporal, env);
}

async function explained<T>(temporal: TemporalSettings, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw (await explainTemporalFailure(temporal, err)) ?? err;
  }
}

/** Connects the worker's native connection with the configured TLS and API key; a refused one names the key. */
export function connectWorkerConnection(temporal: TemporalSettings): Promise<NativeConnection> {
  return explained(temporal, () => NativeConnection.connect(temporalConnectionOptions(temporal)));
}

/** Connects a client connection (CLI, schedules, backfills) with the configured TLS and API key; a refused one names the key. */
export function connectClientConnection(
  temporal: TemporalSettings,
  options: { connectTimeout?: Duration } = {},
): Promise<Connection> {
  return explained(temporal, async () => {
    // The client retries a refused handshake until its deadline: try it once first, so a wrong CA or
    // certificate fails at once instead of after connectTimeout.
    const refused = await tlsRefusal(temporal, process.env);
    if (refused) throw refused;
    return Connection.connect({ ...temporalConnectionOptions(temporal), ...options });
  });
}

/** A client connection with the same settings that connects on first use (the worker's SLA visibility queries). */
export function lazyClientConnection(temporal: TemporalSettings): Connection {
  return Connection.lazy(temporalConnectionOptions(temporal));
}
