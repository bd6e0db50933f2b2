import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../lib/errors';
import { loadConfig, redactConfig } from '../../../workers/config';
import { tmpDir } from '../../helpers/tmp';

function configFile(yaml: string): string {
  const dir = tmpDir('edp-config-');
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('configuration', () => {
  it('applies defaults and resolves paths against the state folder', () => {
    const file = configFile('stateDir: state\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.pipeline.intervalHours).toBe(4);
    expect(config.warehouse.duckdb.path).toBe(join(file, '..', 'state', 'warehouse.duckdb'));
    expect(Object.isFrozen(config.temporal)).toBe(true);
  });

  it('takes EDP_SECTION__KEY environment overrides, parsing JSON values', () => {
    const { config, overrides } = loadConfig({
      file: configFile(''),
      env: {
        EDP_TEMPORAL__ADDRESS: '127.0.0.1:7999',
        EDP_PIPELINE__INTERVAL_HOURS: '6',
        EDP_KAFKA__BROKERS: '["127.0.0.1:1"]',
      },
    });
    expect(config.temporal.address).toBe('127.0.0.1:7999');
    expect(config.pipeline.intervalHours).toBe(6);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:1']);
    expect(overrides).toHaveLength(3);
  });

  it('names the key, the file and the reason for an invalid value', () => {
    const file = configFile('temporal:\n  address: localhost\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /edp\.config\.yaml:\n {2}temporal\.address: expected host:port/,
    );
  });

  it('refuses a transform.targetSchema that is not a plain identifier when the config loads', () => {
    expect(() => loadConfig({ file: configFile('transform:\n  targetSchema: "main; drop"\n'), env: {} })).toThrow(
      /transform\.targetSchema: expected a plain SQL identifier/,
    );
    expect(
      loadConfig({ file: configFile('transform:\n  targetSchema: analytics\n'), env: {} }).config.transform,
    ).toMatchObject({ targetSchema: 'analytics' });
  });

  it('names the environment variable that set a bad value', () => {
    expect(() => loadConfig({ file: configFile(''), env: { EDP_PIPELINE__INTERVAL_HOURS: '"four"' } })).toThrow(
      /pipeline\.intervalHours \(from EDP_PIPELINE__INTERVAL_HOURS\): Expected number/,
    );
  });

  it('checks an external Snowflake stage: its name and an s3:// URL', () => {
    const snowflake = (stage: string) =>
      configFile(
        `warehouse:\n  engine: snowflake\n  snowflake:\n    account: a\n    user: u\n    database: d\n    stage: ${stage}\n`,
      );
    const { config } = loadConfig({
      file: snowflake('{ name: ops.s3_landing, url: "s3://edp-landing/in/" }'),
      env: {},
    });
    expect(config.warehouse.snowflake?.stage).toEqual({ name: 'ops.s3_landing', url: 's3://edp-landing/in/' });
    expect(() => loadConfig({ file: snowflake('{ name: s3_landing, url: "s3://edp-landing/" }'), env: {} })).toThrow(
      /warehouse\.snowflake\.stage\.name: expected schema\.stage or database\.schema\.stage/,
    );
    expect(() => loadConfig({ file: snowflake('{ name: ops.s3, url: "gcs://edp/" }'), env: {} })).toThrow(
      /warehouse\.snowflake\.stage\.url: expected s3:\/\/bucket\/prefix\//,
    );
  });

  it('refuses two sources for one Snowflake secret', () => {
    const file = configFile(
      'warehouse:\n  engine: snowflake\n  snowflake:\n    account: a\n    user: u\n    database: d\n    privateKeyFile: k.p8\n    privateKeyEnv: KEY\n',
    );
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /warehouse\.snowflake\.privateKeyEnv: set privateKeyFile or privateKeyEnv, not both/,
    );
  });

  it('rejects unknown keys, so a typo is not silently ignored', () => {
    expect(() => loadConfig({ file: configFile('temporal:\n  adress: 127.0.0.1:7233\n'), env: {} })).toThrow(
      /Unrecognized key\(s\) in object: 'adress'/,
    );
  });

  it('reports a misspelt EDP_* variable as the variable, not as a key of the config file', () => {
    const file = configFile('temporal:\n  address: 127.0.0.1:7233\n');
    const load = (env: Record<string, string>) => () => loadConfig({ file, env });
    expect(load({ EDP_TEMPORAL__ADRESS: 'x' })).toThrow(
      'invalid configuration in the EDP_* environment variables:\n  EDP_TEMPORAL__ADRESS: names no configuration key ("adress" is not a key of temporal)',
    );
    expect(load({ EDP_TEMPORL__ADDRESS: 'x' })).toThrow(
      /EDP_TEMPORL__ADDRESS: names no configuration key \("temporl" is not a key of the top level\)/,
    );
    expect(load({ EDP_TEMPORL__ADDRESS: 'x' })).not.toThrow(/edp\.config\.yaml/);
  });

  it('checks that required columns are columns of the entity', () => {
    const yaml =
      'landing:\n  entities:\n    - name: claims\n      pattern: c_{interval}.csv\n      columns: { claim_id: string }\n      required: [member_id]\n';
    expect(() => loadConfig({ file: configFile(yaml), env: {} })).toThrow(
      /landing\.entities\.0\.required\.0: "member_id" is not one of the entity's columns/,
    );
  });

  it('reports YAML syntax errors with the file name', () => {
    const file = configFile('temporal: [unclosed\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(new RegExp(`${file}: not valid YAML`));
  });

  it('fails clearly for a missing explicit config file', () => {
    expect(() => loadConfig({ file: '/nonexistent/edp.yaml', env: {} })).toThrow(
      /config file \/nonexistent\/edp\.yaml does not exist/,
    );
  });

  it('validates the repository default config', () => {
    const { config } = loadConfig({ file: join(__dirname, '..', '..', '..', 'edp.config.yaml'), env: {} });
    expect(config.landing.entities.map((e) => e.name)).toEqual([
      'members',
      'providers',
      'claims',
      'claim_lines',
      'eligibility',
      'accumulators',
    ]);
  });
});

describe('config dump', () => {
  it('redacts webhook URLs and secret-named keys, keeps the names of variables and files that hold them', () => {
    const file = configFile(
      [
        'alerts:',
        '  webhooks:',
        '    - { name: slack, url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET", format: slack }',
        '    - { name: pd, urlEnv: PD_URL, format: pagerduty, routingKey: R0UTINGSECRET }',
        'sources:',
        '  - { name: op, kind: postgres, database: op, passwordEnv: OP_PASSWORD, tables: [{ name: t, mode: full, columns: { a: string } }] }',
      ].join('\n'),
    );
    const dump = JSON.stringify(redactConfig(loadConfig({ file, env: {} }).config));
    expect(dump).not.toContain('XXXXSECRET');
    expect(dump).not.toContain('R0UTINGSECRET');
    expect(dump).toContain('"url":"<redacted>"');
    expect(dump).toContain('"routingKey":"<redacted>"');
    expect(dump).toContain('"urlEnv":"PD_URL"');
    expect(dump).toContain('"passwordEnv":"OP_PASSWORD"');
    expect(dump).toContain('"uiUrl":"http://127.0.0.1:8233"');
  });
});

describe('object storage settings', () => {
  it('keeps s3:// landing and export locations as written and resolves the s3 section', () => {
    const file = configFile(
      [
        'stateDir: state',
        'landing: { path: s3://acme-edp/landing/ }',
        'export: { path: s3://acme-edp }',
        's3: { region: eu-west-1, accessKeyIdFile: keys/id, secretAccessKeyEnv: EDP_S3_SECRET }',
      ].join('\n'),
    );
    const { config } = loadConfig({ file, env: { EDP_S3_SECRET: 'never-read-here' } });
    expect(config.landing.path).toBe('s3://acme-edp/landing/');
    expect(config.export.path).toBe('s3://acme-edp');
    expect(config.s3).toEqual({
      region: 'eu-west-1',
      accessKeyIdFile: join(file, '..', 'keys', 'id'),
      secretAccessKeyEnv: 'EDP_S3_SECRET',
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain('never-read-here');
  });

  it('refuses a malformed s3:// location, naming its key', () => {
    const file = configFile('landing: { path: "s3://Not_A_Bucket/landing" }\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/landing\.path: not s3:\/\/bucket or s3:\/\/bucket\/prefix/);
  });

  it('refuses an access key id without its secret, and a secret given twice', () => {
    expect(() => loadConfig({ file: configFile('s3: { accessKeyIdEnv: EDP_S3_KEY }\n'), env: {} })).toThrow(
      /s3\.secretAccessKeyEnv: an access key id needs its secret/,
    );
    expect(() =>
      loadConfig({
        file: configFile('s3: { accessKeyIdEnv: A, secretAccessKeyEnv: B, secretAccessKeyFile: f }\n'),
        env: {},
      }),
    ).toThrow(/s3\.secretAccessKeyFile: set secretAccessKeyEnv or secretAccessKeyFile, not both/);
  });

  it('has no key that could hold a secret itself', () => {
    expect(() => loadConfig({ file: configFile('s3: { secretAccessKey: abc }\n'), env: {} })).toThrow(
      /Unrecognized key.*secretAccessKey/,
    );
  });
});
