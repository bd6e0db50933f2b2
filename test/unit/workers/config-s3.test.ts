import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactConfig } from '../../../workers/config';

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'edp-config-s3-'));
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(file, yaml);
  return file;
}

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
