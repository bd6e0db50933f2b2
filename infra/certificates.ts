import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from './process';

/** PEM files of a throwaway certificate authority and what it signed, for local TLS services and their tests. */
export interface LocalPki {
  caCert: string;
  caKey: string;
  /** Server certificate for `localhost` and 127.0.0.1, signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Client certificate (mTLS), signed by the CA. */
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing the services trust. */
  otherCaCert: string;
  /** A client certificate signed by the other CA: a server trusting only the first refuses it. */
  otherClientCert: string;
  otherClientKey: string;
}

function run(command: string, args: string[], what: string): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new ServiceError(`${what} failed (${command} ${args.join(' ')}):\n${r.stdout ?? ''}${r.stderr ?? r.error}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  run(
    'openssl',
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    `creating the ${name} certificate authority`,
  );
  return { cert, key };
}

/** Signs a certificate request with the CA: leaf extensions (SAN localhost and 127.0.0.1, server and client use). */
export function signRequest(dir: string, ca: { cert: string; key: string }, csr: string, cert: string): void {
  const ext = join(dir, 'leaf.ext');
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '3650',
      '-extfile',
      ext,
    ],
    `signing ${csr}`,
  );
}

function makeLeaf(dir: string, ca: { cert: string; key: string }, name: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  run('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], `creating the ${name} key`);
  signRequest(dir, ca, csr, cert);
}

/** The files {@link makeLocalPki} writes in `dir`. */
export function localPkiFiles(dir: string): LocalPki {
  const pem = (name: string) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const [ca, server, client, other, otherClient] = [
    'edp-test-ca',
    'localhost',
    'edp-client',
    'edp-other-ca',
    'edp-other-client',
  ].map(pem);
  return {
    caCert: ca.cert,
    caKey: ca.key,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherCaCert: other.cert,
    otherClientCert: otherClient.cert,
    otherClientKey: otherClient.key,
  };
}

/** Creates a CA, a server and a client certificate signed by it, and a second CA with a client certificate of its own. */
export function makeLocalPki(dir: string): LocalPki {
  mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir, 'edp-test-ca');
  makeLeaf(dir, ca, 'localhost');
  makeLeaf(dir, ca, 'edp-client');
  const other = makeCa(dir, 'edp-other-ca');
  makeLeaf(dir, other, 'edp-other-client');
  return localPkiFiles(dir);
}

/** A certificate authority of its own and the one certificate it signed (server and client use, SAN localhost and 127.0.0.1). */
export interface InternodePki {
  caCert: string;
  /** What every service of a cluster presents to the others, as server and as client. */
  cert: string;
  key: string;
}

/** The files {@link makeInternodePki} writes in `dir`. */
export function internodePkiFiles(dir: string): InternodePki {
  return {
    caCert: join(dir, 'edp-internode-ca.crt'),
    cert: join(dir, 'edp-internode.crt'),
    key: join(dir, 'edp-internode.key'),
  };
}

/**
 * Creates the CA of a cluster's internal traffic and the certificate its services share. Apart from the
 * clients' CA: a client certificate, however valid at the frontend, is no key to history or matching.
 */
export function makeInternodePki(dir: string): InternodePki {
  mkdirSync(dir, { recursive: true });
  makeLeaf(dir, makeCa(dir, 'edp-internode-ca'), 'edp-internode');
  return internodePkiFiles(dir);
}

/** A JKS key store holding the broker's key and certificate, and a trust store holding the CA (what a JVM server reads). */
export interface JavaStores {
  keystore: string;
  truststore: string;
  password: string;
}

/**
 * Makes a broker's key store with the JDK's `keytool`: a key pair generated in the store, its certificate
 * request signed by the CA, the chain imported back; and a trust store holding the CA for client certificates.
 */
export function makeJavaStores(dir: string, pki: LocalPki, password: string): JavaStores {
  mkdirSync(dir, { recursive: true });
  const keystore = join(dir, 'broker.keystore.jks');
  const truststore = join(dir, 'broker.truststore.jks');
  const csr = join(dir, 'broker.csr');
  const cert = join(dir, 'broker.crt');
  const store = ['-keystore', keystore, '-storepass', password, '-storetype', 'JKS', '-noprompt'];
  const keytool = (args: string[], what: string): void => run('keytool', args, what);
  keytool(
    [
      '-genkeypair',
      '-alias',
      'broker',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-validity',
      '3650',
      '-dname',
      'CN=localhost',
      '-ext',
      'SAN=dns:localhost,ip:127.0.0.1',
      '-keypass',
      password,
      ...store,
    ],
    'generating the broker key pair',
  );
  keytool(['-certreq', '-alias', 'broker', '-file', csr, ...store], 'writing the broker certificate request');
  signRequest(dir, { cert: pki.caCert, key: pki.caKey }, csr, cert);
  keytool(['-importcert', '-alias', 'ca', '-file', pki.caCert, ...store], 'importing the CA into the key store');
  keytool(['-importcert', '-alias', 'broker', '-file', cert, ...store], 'importing the signed broker certificate');
  keytool(
    [
      '-importcert',
      '-alias',
      'ca',
      '-file',
      pki.caCert,
      '-keystore',
      truststore,
      '-storepass',
      password,
      '-storetype',
      'JKS',
      '-noprompt',
    ],
    'writing the broker trust store',
  );
  return { keystore, truststore, password };
}
