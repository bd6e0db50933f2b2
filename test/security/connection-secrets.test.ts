import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, redactConfig } from '../../workers/config';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');

/** The secrets of a deployment's connection settings, as the environment holds them. */
const SECRETS = {
  EDP_TEMPORAL_API_KEY: 'tcld-api-key-secret-1',
  EDP_TEMPORAL_TLS_CERT: '-----BEGIN CERTIFICATE-----\ncert-secret-2\n-----END CERTIFICATE-----\n',
  EDP_TEMPORAL_TLS_KEY: '-----BEGIN PRIVATE KEY-----\nkey-secret-3\n-----END PRIVATE KEY-----\n',
  EDP_KAFKA_SASL_PASSWORD: 'sasl-secret-4',
  EDP_SOURCE_PASSWORD: 'pg-secret-5',
};

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('connection secrets', () => {
  it('come from the environment only: never overrides, never in `edp config`', () => {
    const dir = tmpDir('edp-conn-secrets-');
    const file = join(dir, 'edp.config.yaml');
    writeFileSync(
      file,
      stringify({
        temporal: {
          address: 'edp.a1b2c.tmprl.cloud:7233',
          namespace: 'edp.a1b2c',
          apiKeyEnv: 'EDP_TEMPORAL_API_KEY',
          tls: { certEnv: 'EDP_TEMPORAL_TLS_CERT', keyEnv: 'EDP_TEMPORAL_TLS_KEY' },
        },
        kafka: {
          brokers: ['b-1.msk.example:9096'],
          ssl: {},
          sasl: { mechanism: 'scram-sha-512', username: 'edp', passwordEnv: 'EDP_KAFKA_SASL_PASSWORD' },
        },
      }),
    );
    // Exported in the shell, whether or not this config names them (one named by another config file).
    const { config, overrides } = loadConfig({ env: { ...SECRETS, EDP_CONFIG: file } });
    expect(overrides).toEqual([]);
    const shown = stringify(redactConfig(config));
    for (const secret of Object.values(SECRETS)) expect(shown).not.toContain(secret.trim());
    expect(shown).toContain('EDP_KAFKA_SASL_PASSWORD');
  });

  it('cannot be written into the config file: a password or key value is an unknown key, named', () => {
    const dir = tmpDir('edp-conn-inline-');
    const file = join(dir, 'edp.config.yaml');
    writeFileSync(
      file,
      stringify({ kafka: { sasl: { mechanism: 'plain', username: 'edp', password: 'inline-secret' } } }),
    );
    expect(() => loadConfig({ env: { EDP_CONFIG: file } })).toThrow(
      /kafka\.sasl: Unrecognized key\(s\) in object: 'password'/,
    );
    writeFileSync(file, stringify({ temporal: { tls: { key: '-----BEGIN PRIVATE KEY-----' } } }));
    expect(() => loadConfig({ env: { EDP_CONFIG: file } })).toThrow(
      /temporal\.tls: Unrecognized key\(s\) in object: 'key'/,
    );
  });

  it('every client connects through its builder: no Temporal, Kafka or PostgreSQL connection made elsewhere', () => {
    const builders = new Set([
      'workers/temporal-connection.ts',
      'activities/connections/kafka-connection.ts',
      'activities/connections/postgres-connection.ts',
    ]);
    const direct = /\b(NativeConnection\.connect|Connection\.(connect|lazy))\(|new Kafka\(|new pg\.Client\(/;
    const offenders = ['activities', 'cli', 'workers']
      .flatMap((dir) => sourcesUnder(join(REPO, dir)))
      .map((path) => relative(REPO, path))
      .filter((path) => !builders.has(path) && direct.test(readFileSync(join(REPO, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
