import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';

/** What a TLS client presents and trusts: PEM text or bytes, as Node's `tls` takes them. */
export interface TlsMaterial {
  /** CA certificates the server's certificate must chain to; unset: the system's trusted CAs. */
  ca?: string | Buffer;
  /** Client certificate and key (mTLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name the server certificate must carry; default the host. */
  serverName?: string;
}

/** Which side of a TLS handshake failed: the server's certificate (`server`) or ours (`client`). */
export type TlsFailureSide = 'server' | 'client';

/** A refused TLS handshake: which side's certificate was refused, and the TLS library's reason. */
export interface TlsFailure {
  side: TlsFailureSide;
  reason: string;
}

/** Node's verification codes for a server certificate this client does not accept. */
const SERVER_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** OpenSSL alerts a server sends when it refuses the client's certificate (or its absence). */
const CLIENT_CERT_ALERT =
  /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED)/;

/** Which certificate a TLS error refuses; undefined for errors that are not about certificates. */
export function tlsFailureOf(err: Error & { code?: string }): TlsFailure | undefined {
  const code = err.code ?? '';
  if (SERVER_CERT_CODES.has(code)) return { side: 'server', reason: err.message };
  if (CLIENT_CERT_ALERT.test(code)) return { side: 'client', reason: err.message };
  return undefined;
}

/** How {@link probeTls} talks to the server. */
export interface ProbeOptions {
  /** ALPN protocols to offer (`h2` for gRPC). */
  alpn?: string[];
  /**
   * The server sends first once the handshake is done (HTTP/2 sends its SETTINGS): wait for those bytes,
   * so a server that checks the client certificate only after the handshake (Node's) and then hangs up
   * counts as refusing it.
   */
  serverSpeaksFirst?: boolean;
  timeoutMs?: number;
}

/**
 * Opens one TLS connection to `host:port` with the given material and reports which certificate is refused,
 * or undefined when the handshake completes (or fails for a reason that is not a certificate: the
 * caller's own connection reports that). At most TLS 1.2, so a server refusing the client certificate
 * says so inside the handshake, before `secureConnect`, instead of after it as TLS 1.3 does.
 */
export function probeTls(
  host: string,
  port: number,
  material: TlsMaterial,
  probe: ProbeOptions = {},
): Promise<TlsFailure | undefined> {
  const options: ConnectionOptions = {
    host,
    port,
    ca: material.ca,
    cert: material.cert,
    key: material.key,
    maxVersion: 'TLSv1.2',
    ALPNProtocols: probe.alpn,
  };
  const name = material.serverName ?? host;
  // SNI may not be an IP address (RFC 6066); the certificate is still checked against `host`.
  if (isIP(name) === 0) options.servername = name;
  return new Promise((resolve) => {
    const socket = connect(options);
    let secured = false;
    const done = (failure: TlsFailure | undefined): void => {
      socket.destroy();
      resolve(failure);
    };
    socket.setTimeout(probe.timeoutMs ?? 5000, () => done(undefined));
    socket.once('secureConnect', () => {
      secured = true;
      if (!probe.serverSpeaksFirst) done(undefined);
    });
    socket.once('data', () => done(undefined));
    // A server that checks the client certificate outside the alert protocol (Node's) just hangs up.
    const hungUp = (): TlsFailure | undefined =>
      (secured ? probe.serverSpeaksFirst : material.cert !== undefined)
        ? {
            side: 'client',
            reason: `the server hung up ${secured ? 'after' : 'during'} the TLS handshake: it refused the client certificate${secured ? '' : ' (or does not speak TLS on this port)'}`,
          }
        : undefined;
    socket.once('close', () => done(hungUp()));
    socket.once('error', (err: Error & { code?: string }) =>
      done(tlsFailureOf(err) ?? (err.code === 'ECONNRESET' ? hungUp() : undefined)),
    );
  });
}
