import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyError } from '../../activities/errors';
import { temporalClient } from '../../cli/session';
import { makeLocalPki, type LocalPki } from '../../infra/certificates';
import { ConfigError } from '../../lib/errors';
import { configSchema, type EdpConfig } from '../../workers/config-schema';
import {
  connectClientConnection,
  connectWorkerConnection,
  temporalConnectionOptions,
} from '../../workers/temporal-connection';
import { startTlsFrontend, type TlsFrontend } from '../helpers/tls-frontend';
import { tmpDir } from '../helpers/tmp';

/**
 * The Temporal connection builder over real TLS. `temporal server start-dev` (CLI 1.9.1) has no TLS
 * flags, so the server here is a gRPC server in this process answering GetSystemInfo with the real
 * certificate files and refusing a client certificate its CA did not sign, or none, and a wrong API key:
 * the handshake and the credentials are real, the Temporal server behind them is not (docs/deploy.md).
 */
describe('Temporal connections: TLS, mTLS and API keys (worker and clients) against a gRPC TLS frontend stand-in, not a Temporal server', () => {
  const API_KEY = 'cloud-api-key-7f3a';
  let pki: LocalPki;
  let frontend: TlsFrontend;
  const saved = { ...process.env };

  beforeAll(async () => {
    pki = makeLocalPki(join(tmpDir('edp-temporal-tls-'), 'pki'));
    frontend = await startTlsFrontend({
      cert: pki.serverCert,
      key: pki.serverKey,
      clientCa: pki.caCert,
      apiKey: API_KEY,
    });
  });
  afterAll(() => frontend.close());
  beforeEach(() => {
    process.env.EDP_TEMPORAL_API_KEY = API_KEY;
    process.env.EDP_TEMPORAL_TLS_KEY = readFileSync(pki.clientKey, 'utf8');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** The `temporal` section as a user writes it, with defaults applied. */
  const temporal = (tls: Record<string, string>, extra: Record<string, string> = {}): EdpConfig['temporal'] =>
    configSchema.parse({ temporal: { address: frontend.address, tls, apiKeyEnv: 'EDP_TEMPORAL_API_KEY', ...extra } })
      .temporal;
  const good = (): Record<string, string> => ({
    caFile: pki.caCert,
    certFile: pki.clientCert,
    keyEnv: 'EDP_TEMPORAL_TLS_KEY',
  });

  async function refusal(connect: () => Promise<unknown>): Promise<ConfigError> {
    const started = Date.now();
    const err = await connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    // Refused at once, not after a retry loop.
    expect(Date.now() - started).toBeLessThan(3000);
    const failure = classifyError(err);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('EdpBadInput');
    expect((err as Error).message).not.toContain(API_KEY);
    return err as ConfigError;
  }

  it('builds the native and client connection options from files and variables', () => {
    const options = temporalConnectionOptions(temporal(good(), { namespace: 'edp.a1b2c' }));
    expect(options.address).toBe(frontend.address);
    expect(options.apiKey).toBe(API_KEY);
    expect(Buffer.from(options.tls!.serverRootCACertificate!)).toEqual(readFileSync(pki.caCert));
    expect(Buffer.from(options.tls!.clientCertPair!.crt)).toEqual(readFileSync(pki.clientCert));
    expect(Buffer.from(options.tls!.clientCertPair!.key)).toEqual(readFileSync(pki.clientKey));
  });

  it('the worker and the CLI connect with the client certificate and send the API key', async () => {
    const calls = frontend.calls.length;
    const worker = await connectWorkerConnection(temporal(good()));
    await worker.close();
    const client = await connectClientConnection(temporal(good()));
    await client.close();
    const cli = await temporalClient({ ...configSchema.parse({}), temporal: temporal(good()) }).catch((e: Error) => e);
    expect(frontend.calls.slice(calls, calls + 2)).toEqual([
      { authorization: `Bearer ${API_KEY}` },
      { authorization: `Bearer ${API_KEY}` },
    ]);
    if (cli instanceof Error) throw cli;
    await cli.close();
  });

  it.each([
    ['no client certificate', 'temporal.tls.certFile', () => ({ caFile: pki.caCert })],
    [
      'a client certificate of another CA',
      'temporal.tls.certFile',
      () => ({ caFile: pki.caCert, certFile: pki.otherClientCert, keyFile: pki.otherClientKey }),
    ],
    ['a CA that did not sign the server', 'temporal.tls.caFile', () => ({ ...good(), caFile: pki.otherCaCert })],
    ['the system CAs only', 'temporal.tls.caFile', () => ({ certFile: pki.clientCert, keyFile: pki.clientKey })],
  ])('refuses %s: non-retryable, naming %s', async (_, key, tls) => {
    for (const connect of [connectWorkerConnection, connectClientConnection]) {
      const err = await refusal(() => connect(temporal(tls())));
      expect(err.fix).toBe(key);
      expect(err.message).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')}: `));
    }
  });

  it('refuses a wrong API key, naming temporal.apiKeyEnv', async () => {
    process.env.EDP_TEMPORAL_API_KEY = 'revoked-key';
    for (const connect of [connectWorkerConnection, connectClientConnection]) {
      const err = await refusal(() => connect(temporal(good())));
      expect(err.fix).toBe('temporal.apiKeyEnv');
      expect(err.message).not.toContain('revoked-key');
    }
  });

  it('a missing key variable or certificate file names its key before connecting', () => {
    delete process.env.EDP_TEMPORAL_TLS_KEY;
    expect(() => temporalConnectionOptions(temporal(good()))).toThrow(
      'temporal.tls.keyEnv: environment variable EDP_TEMPORAL_TLS_KEY is not set',
    );
    process.env.EDP_TEMPORAL_TLS_KEY = 'x';
    expect(() => temporalConnectionOptions(temporal({ ...good(), caFile: '/nonexistent/ca.pem' }))).toThrow(
      /^temporal\.tls\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/,
    );
  });
});
