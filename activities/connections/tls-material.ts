import type { TlsConfig } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { readConfiguredFile, readSecret, secretKey } from './secrets';
import type { TlsFailure, TlsMaterial } from './tls-probe';

/** The CA, client certificate and key the `<prefix>` TLS settings name, read now; a missing file or variable names its key. */
export function tlsMaterial(prefix: string, tls: TlsConfig, env: NodeJS.ProcessEnv = process.env): TlsMaterial {
  return {
    ca: tls.caFile === undefined ? undefined : readConfiguredFile(`${prefix}.caFile`, tls.caFile),
    cert: readSecret(`${prefix}.cert`, { env: tls.certEnv, file: tls.certFile }, env),
    key: readSecret(`${prefix}.key`, { env: tls.keyEnv, file: tls.keyFile }, env),
    serverName: tls.serverName,
  };
}

/**
 * The non-retryable error for a refused TLS handshake, naming the key to change: the CA (or the server
 * name) when this client refused the server's certificate, the client certificate when the server refused ours.
 */
export function tlsRefused(prefix: string, tls: TlsConfig, failure: TlsFailure, address: string): ConfigError {
  if (failure.side === 'server') {
    const nameMismatch = /altname|does not match|NotValidForName/i.test(failure.reason);
    const fix = nameMismatch ? `${prefix}.serverName` : `${prefix}.caFile`;
    const hint = nameMismatch
      ? 'set the name the certificate carries'
      : tls.caFile === undefined
        ? 'set the CA that signed it (the system CAs do not)'
        : `${tls.caFile} did not sign it`;
    return new ConfigError(`the server certificate of ${address} was refused (${failure.reason}): ${hint}`, { fix });
  }
  const configured = tls.certEnv !== undefined || tls.certFile !== undefined;
  return new ConfigError(
    `${address} refused the client certificate (${failure.reason}): ${
      configured ? 'use one its CA signed' : 'it requires one: set certFile and keyFile (or certEnv and keyEnv)'
    }`,
    { fix: secretKey(`${prefix}.cert`, { env: tls.certEnv, file: tls.certFile }) },
  );
}
