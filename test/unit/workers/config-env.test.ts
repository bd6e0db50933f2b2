import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';
import { newKeySet } from '../../../workers/payload-codec';
import { tmpDir } from '../../helpers/tmp';

const REPO = join(__dirname, '..', '..', '..');

/** `EDP_` words the docs use that are not environment variables: search attributes, Snowflake objects, artifact keys. */
const NOT_VARIABLES = new Set([
  'EDP_INTERVAL_START',
  'EDP_PIPELINE',
  'EDP_STATUS',
  'EDP_STAGE',
  'EDP_SERVICE',
  'EDP_TRANSFORM_WH',
  'EDP_REALTIME_WH',
  'EDP_MANIFEST_CHECKSUM', // a key of dbt's manifest.json metadata.env (docs/transform.md), not read by the platform
  'EDP_WORKFLOW_ID', // keys of run_results.json's metadata.env naming the run that wrote it (docs/transform.md)
  'EDP_RUN_ID',
]);

/** A value each documented variable accepts, as a user following the docs would set it. */
const VALUES: Record<string, string> = {
  EDP_CACHE_DIR: tmpdir(),
  EDP_LOG_LEVEL: 'INFO',
  EDP_PAYLOAD_KEYS: newKeySet('k1'),
  EDP_TEST_ENGINES: 'duckdb',
  EDP_TEST_SERVICES_DIR: tmpdir(),
  EDP_UPDATE_SCREENSHOTS: '1',
  EDP_TEST_KEEP_TMP: '1',
  EDP_SLACK_WEBHOOK: 'https://hooks.slack.example/services/T0/B0/x',
  EDP_TEMPORAL__ADDRESS: '127.0.0.1:7999',
  EDP_PIPELINE__INTERVAL_HOURS: '6',
  EDP_KAFKA__BROKERS: '["127.0.0.1:9092"]',
  EDP_WAREHOUSE__DUCKDB__PATH: '/data/edp.duckdb',
  EDP_TEMPORAL_API_KEY: 'tcld-key',
  EDP_TEMPORAL_TLS_CERT: '-----BEGIN CERTIFICATE-----',
  EDP_TEMPORAL_TLS_KEY: '-----BEGIN PRIVATE KEY-----',
  EDP_KAFKA_SASL_PASSWORD: 'sasl-password',
  EDP_SOURCE_PASSWORD: 'source-password',
  EDP_S3_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
  EDP_S3_SECRET_ACCESS_KEY: 's3-secret',
};

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/** Every `EDP_…` word in the docs, the README and the CLI's help text. */
function documentedVariables(): string[] {
  const files = [
    ...filesUnder(join(REPO, 'docs'), '.md'),
    join(REPO, 'README.md'),
    ...filesUnder(join(REPO, 'cli'), '.ts'),
  ];
  const words = files.flatMap((f) => readFileSync(f, 'utf8').match(/EDP_[A-Z0-9_]+/g) ?? []);
  return [...new Set(words)].filter((w) => !NOT_VARIABLES.has(w)).sort();
}

describe('documented EDP_* environment variables', () => {
  it('every one the docs mention loads the config: overrides set their key, the rest are not read as keys', () => {
    const dir = tmpDir('edp-env-');
    const file = join(dir, 'edp.config.yaml');
    // The alerts example of docs/operations.md: its webhook URL comes from EDP_SLACK_WEBHOOK.
    writeFileSync(file, 'alerts:\n  webhooks:\n    - { name: ops_slack, urlEnv: EDP_SLACK_WEBHOOK, format: slack }\n');
    const env = { ...VALUES, EDP_CONFIG: file };
    const documented = documentedVariables();
    expect(documented).toEqual(expect.arrayContaining(['EDP_LOG_LEVEL', 'EDP_PAYLOAD_KEYS']));
    expect(documented.filter((name) => !(name in env))).toEqual([]);

    const { config, overrides } = loadConfig({ env });

    expect(overrides.sort()).toEqual([
      'EDP_KAFKA__BROKERS',
      'EDP_PIPELINE__INTERVAL_HOURS',
      'EDP_TEMPORAL__ADDRESS',
      'EDP_WAREHOUSE__DUCKDB__PATH',
    ]);
    expect(config.temporal.address).toBe('127.0.0.1:7999');
    expect(config.warehouse.duckdb.path).toBe('/data/edp.duckdb');
    expect(config.alerts.webhooks[0]).toMatchObject({ name: 'ops_slack', urlEnv: 'EDP_SLACK_WEBHOOK' });
  });
});
