import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { TlsConfig } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { readConfiguredFile, readSecret, secretKey } from './secrets';
import type { TlsFailure, TlsMaterial } from './tls-probe';

/**
 * The CA, client certificate and key the `<prefix>` TLS settings name, read and checked now: a missing
 * file or variable, one that holds no PEM certificate or key, an encrypted key, or a key that does not
 * belong to the certificate is a {@link ConfigError} naming its key (a driver would report it as a
 * bare OpenSSL error, or not at all and retry).
 */
export function tlsMaterial(prefix: string, tls: TlsConfig, env: NodeJS.ProcessEnv = process.env): TlsMaterial {
  const certSource = { env: tls.certEnv, file: tls.certFile };
  const keySource = { env: tls.keyEnv, file: tls.keyFile };
  const material: TlsMaterial = {
    ca: tls.caFile === undefined ? undefined : readConfiguredFile(`${prefix}.caFile`, tls.caFile),
    cert: readSecret(`${prefix}.cert`, certSource, env),
    key: readSecret(`${prefix}.key`, keySource, env),
    serverName: tls.serverName,
  };
  // Where a value came from, for the message: the file's path or the variable's name (never the value).
  const from = (source: { env?: string; file?: string }) => (source.env ? `$${source.env}` : source.file);
  const parsed = <T>(key: string, where: string | undefined, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new ConfigError(`${where} holds no usable ${what} (${(err as Error).message})`, { fix: key });
    }
  };
  if (material.ca !== undefined)
    parsed(`${prefix}.caFile`, tls.caFile, 'PEM CA certificate', () => new X509Certificate(material.ca!));
  const cert =
    material.cert === undefined
      ? undefined
      : parsed(
          secretKey(`${prefix}.cert`, certSource),
          from(certSource),
          'PEM certificate',
          () => new X509Certificate(material.cert!),
        );
  const keyName = secretKey(`${prefix}.key`, keySource);
  const key =
    material.key === undefined
      ? undefined
      : parsed(keyName, from(keySource), 'unencrypted PEM private key', () => createPrivateKey(material.key!));
  if (cert && key && !cert.checkPrivateKey(key))
    throw new ConfigError(`${from(keySource)} is not the key of the certificate in ${from(certSource)}`, {
      fix: keyName,
    });
  return material;
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
