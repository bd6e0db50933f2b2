import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { classifyError } from '../../../../activities/errors';
import { kafkaClient } from '../../../../activities/connections';
import { makeLocalPki, type LocalPki } from '../../../../infra/certificates';
import { ConfigError } from '../../../../lib/errors';
import { connectClientConnection } from '../../../../workers/temporal-connection';
import { configSchema } from '../../../../workers/config-schema';
import { tmpDir } from '../../../helpers/tmp';

/**
 * Certificate files that exist but cannot serve (issue 22, bad input): not PEM, an encrypted key (TLS
 * settings take no passphrase), a key of another certificate. Each is a non-retryable ConfigError naming
 * the key to fix, before any connection is tried; before this check a driver reported a bare OpenSSL
 * error (retried as unknown), or, for a CA file, kept dialling until its deadline.
 */
const dir = tmpDir('edp-bad-tls-');
// Made while the cases are collected (it.each reads them before any hook runs).
const pki: LocalPki = makeLocalPki(join(dir, 'pki'));
const garbage = join(dir, 'garbage.pem');
writeFileSync(garbage, 'this is no certificate\n');
const encryptedKey = join(dir, 'encrypted.key');
const encrypted = spawnSync('openssl', [
  'pkey',
  '-in',
  pki.clientKey,
  '-aes256',
  '-passout',
  'pass:pw',
  '-out',
  encryptedKey,
]);

beforeAll(() => {
  expect(encrypted.status).toBe(0);
});

const cases: Array<[string, Record<string, string>, string, RegExp]> = [
  [
    'a CA file that holds no certificate',
    { caFile: garbage, certFile: pki.clientCert, keyFile: pki.clientKey },
    'caFile',
    /garbage\.pem holds no usable PEM CA certificate/,
  ],
  [
    'a certificate file that holds no certificate',
    { caFile: pki.caCert, certFile: garbage, keyFile: pki.clientKey },
    'certFile',
    /garbage\.pem holds no usable PEM certificate/,
  ],
  [
    'a key file that holds no key',
    { caFile: pki.caCert, certFile: pki.clientCert, keyFile: garbage },
    'keyFile',
    /garbage\.pem holds no usable unencrypted PEM private key/,
  ],
  [
    'an encrypted key',
    { caFile: pki.caCert, certFile: pki.clientCert, keyFile: encryptedKey },
    'keyFile',
    /encrypted\.key holds no usable unencrypted PEM private key/,
  ],
  [
    'the key of another certificate',
    { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.otherClientKey },
    'keyFile',
    /edp-other-client\.key is not the key of the certificate in .*edp-client\.crt/,
  ],
];

/** The error `step` fails with, and how long it took. */
async function failure(step: () => unknown): Promise<{ err: unknown; ms: number }> {
  const started = Date.now();
  try {
    await step();
  } catch (err) {
    return { err, ms: Date.now() - started };
  }
  throw new Error('expected a failure');
}

describe('TLS material that cannot serve', () => {
  it.each(cases)('Temporal: %s is a ConfigError naming temporal.tls.<key>', async (_what, tls, key, message) => {
    // Nothing listens on port 7: the check comes before any dialling.
    const { temporal } = configSchema.parse({ temporal: { address: '127.0.0.1:7', tls } });
    const { err, ms } = await failure(() => connectClientConnection(temporal));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ fix: `temporal.tls.${key}`, message: expect.stringMatching(message) });
    expect(classifyError(err).nonRetryable).toBe(true);
    expect(ms).toBeLessThan(2_000);
  });

  it.each(cases)('Kafka: %s is a ConfigError naming kafka.ssl.<key>', async (_what, ssl, key, message) => {
    const { kafka } = configSchema.parse({ kafka: { brokers: ['127.0.0.1:7'], ssl } });
    const { err } = await failure(() => kafkaClient(kafka, 'test'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ fix: `kafka.ssl.${key}`, message: expect.stringMatching(message) });
  });
});
