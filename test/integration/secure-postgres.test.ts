import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectPostgres } from '../../activities/connections';
import { classifyError } from '../../activities/errors';
import { PostgresSource } from '../../activities/ingest/postgres-source';
import { makeLocalPki, type LocalPki } from '../../infra/certificates';
import { removePostgres, startPostgres } from '../../infra/postgres';
import { sqlSourceSchema, type SqlSourceConfig } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { freePort } from '../setup/test-services';
import { tmpDir } from '../helpers/tmp';

const PASSWORD = 'pg-pw-93be';

/**
 * A PostgreSQL of its own with `ssl = on` (a certificate from a throwaway CA) whose pg_hba.conf admits
 * only TLS connections with a password: a source connects with each checking sslmode and reads its
 * rows; no TLS, a CA that did not sign the server and a wrong password are refused, non-retryably,
 * naming the key.
 */
describe('PostgreSQL sources over TLS', () => {
  const dir = tmpDir('edp-pg-ssl-');
  let pki: LocalPki;
  let port: number;
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.EDP_SOURCE_PASSWORD = PASSWORD;
    pki = makeLocalPki(join(dir, 'pki'));
    port = await freePort();
    await startPostgres({
      dir: join(dir, 'postgres'),
      host: '127.0.0.1',
      port,
      ssl: { certFile: pki.serverCert, keyFile: pki.serverKey },
      hba: ['local all all trust', 'hostssl all edp 127.0.0.1/32 trust', 'hostssl all all 127.0.0.1/32 scram-sha-256'],
    });
    const admin = await connectPostgres(
      source({ user: 'edp', passwordEnv: undefined, sslmode: 'require' }),
      'postgres',
    );
    try {
      await admin.query(`CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`);
      await admin.query('CREATE DATABASE ops OWNER app');
    } finally {
      await admin.end();
    }
    const app = await connectPostgres(source({ sslmode: 'require' }), 'ops');
    try {
      await app.query("CREATE TABLE plans (plan_id TEXT PRIMARY KEY); INSERT INTO plans VALUES ('PLN-GOLD')");
    } finally {
      await app.end();
    }
  }, 120_000);
  afterAll(() => removePostgres(join(dir, 'postgres')));
  beforeEach(() => {
    process.env.EDP_SOURCE_PASSWORD = PASSWORD;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  function source(settings: Record<string, unknown>): SqlSourceConfig {
    return sqlSourceSchema.parse({
      name: 'ops',
      kind: 'postgres',
      port,
      database: 'ops',
      user: 'app',
      passwordEnv: 'EDP_SOURCE_PASSWORD',
      tables: [{ name: 'plans', mode: 'full', columns: { plan_id: 'string' } }],
      ...settings,
    });
  }

  async function refusal(settings: Record<string, unknown>): Promise<ConfigError> {
    const err = await PostgresSource.connect(source(settings)).then(
      (s) => s.close(),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const failure = classifyError(err, 'extracting ops.public.plans');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('EdpBadInput');
    expect((err as Error).message).not.toContain(PASSWORD);
    return err as ConfigError;
  }

  it.each([
    ['require', {}],
    ['verify-ca', { sslCaFile: 'ca' }],
    ['verify-full', { sslCaFile: 'ca', host: 'localhost' }],
  ])('reads the source with sslmode %s, over TLS', async (sslmode, extra) => {
    const settings = { sslmode, ...extra, ...('sslCaFile' in extra ? { sslCaFile: pki.caCert } : {}) };
    const client = await connectPostgres(source(settings), 'ops');
    try {
      const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await client.end();
    }
    const db = await PostgresSource.connect(source(settings));
    try {
      const batches = [];
      for await (const batch of db.rows(source(settings).tables[0], null)) batches.push(...batch);
      expect(batches).toEqual([{ plan_id: 'PLN-GOLD' }]);
    } finally {
      await db.close();
    }
  });

  it('takes the password from a file', async () => {
    const passwordFile = join(dir, 'pg-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    const db = await PostgresSource.connect(
      source({ passwordEnv: undefined, passwordFile, sslmode: 'verify-full', sslCaFile: pki.caCert }),
    );
    await db.close();
  });

  it('refuses a connection without TLS, naming sources[ops].sslmode', async () => {
    const err = await refusal({ sslmode: 'disable' });
    expect(err.fix).toBe('sources[ops].sslmode');
  });

  it('refuses a server certificate its CA did not sign, naming sources[ops].sslCaFile', async () => {
    for (const sslmode of ['verify-ca', 'verify-full']) {
      const err = await refusal({ sslmode, sslCaFile: pki.otherCaCert });
      expect(err.fix).toBe('sources[ops].sslCaFile');
    }
  });

  it('refuses a wrong password, naming sources[ops].passwordEnv', async () => {
    process.env.EDP_SOURCE_PASSWORD = 'wrong-pw';
    const err = await refusal({ sslmode: 'verify-full', sslCaFile: pki.caCert });
    expect(err.fix).toBe('sources[ops].passwordEnv');
    expect(err.message).not.toContain('wrong-pw');
  });

  it('a missing CA file names its key', () => {
    return expect(
      PostgresSource.connect(source({ sslmode: 'verify-ca', sslCaFile: '/nonexistent/ca.pem' })),
    ).rejects.toThrow(/^sources\[ops\]\.sslCaFile: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });
});
