import { ApplicationFailure } from '@temporalio/common';
import { encodeErrorToFailure, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../workers/config';
import { codecKeysFor, dataConverterFor, defaultKeyFile, newKeySet } from '../../../workers/payload-codec';
import { tmpDir } from '../../helpers/tmp';

function project(yaml = ''): { dir: string; file: string } {
  const dir = tmpDir('edp-keys-');
  const file = join(dir, 'edp.config.yaml');
  writeFileSync(file, `stateDir: state\n${yaml}`);
  return { dir, file };
}

describe('the payload key set: on by default, one source for every process', () => {
  it('is created in the state folder on first use (mode 600) and every later process reads the same one', () => {
    const { dir, file } = project();
    const { config } = loadConfig({ file, env: {} });
    expect(config.temporal.payloadEncryption).toBe(true);
    expect(config.temporal.payloadKeyFile).toBe(join(dir, 'state', 'payload-keys.json'));
    expect(config.temporal.payloadKeyFile).toBe(defaultKeyFile(config.stateDir));

    const first = codecKeysFor(config, {})!;
    expect(statSync(config.temporal.payloadKeyFile!).mode & 0o777).toBe(0o600);
    const stored = readFileSync(config.temporal.payloadKeyFile!, 'utf8');
    const again = codecKeysFor(loadConfig({ file, env: {} }).config, {})!;
    expect(again.current).toBe(first.current);
    expect(again.keys.get(again.current)).toEqual(first.keys.get(first.current));
    expect(readFileSync(config.temporal.payloadKeyFile!, 'utf8')).toBe(stored);
  });

  it('never creates a configured key file: a missing one is an error naming it', () => {
    const { dir, file } = project('temporal:\n  payloadKeyFile: /nonexistent/edp-keys.json\n');
    const { config } = loadConfig({ file, env: {} });
    expect(() => codecKeysFor(config, {})).toThrow(/^temporal\.payloadKeyFile \/nonexistent\/edp-keys\.json: ENOENT/);
    expect(() => statSync(join(dir, 'state'))).toThrow();
  });

  it('takes EDP_PAYLOAD_KEYS over any file, and creates nothing then', () => {
    const { dir, file } = project();
    const { config } = loadConfig({ file, env: {} });
    const keys = codecKeysFor(config, { EDP_PAYLOAD_KEYS: newKeySet('from-env') })!;
    expect(keys.current).toBe('from-env');
    expect(() => statSync(join(dir, 'state', 'payload-keys.json'))).toThrow();
  });

  it('plain payloads are an explicit opt-out, which contradicts a key file or EDP_PAYLOAD_KEYS', () => {
    const { file } = project('temporal:\n  payloadEncryption: false\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.temporal.payloadKeyFile).toBeUndefined();
    expect(codecKeysFor(config, {})).toBeUndefined();
    expect(dataConverterFor(config, {})).toBeUndefined();
    expect(() => codecKeysFor(config, { EDP_PAYLOAD_KEYS: newKeySet('k') })).toThrow(
      'EDP_PAYLOAD_KEYS is set while temporal.payloadEncryption is false: unset one',
    );
    const both = project('temporal:\n  payloadEncryption: false\n  payloadKeyFile: keys.json\n');
    expect(() => loadConfig({ file: both.file, env: {} })).toThrow(
      /temporal\.payloadKeyFile: set while temporal\.payloadEncryption is false/,
    );
  });

  it('encrypts failure messages and stack traces, and the same converter reads them back', async () => {
    const { file } = project();
    const converter = loadDataConverter(dataConverterFor(loadConfig({ file, env: {} }).config, {}));
    const marker = "Could not convert string 'Kofi Rossi M0000001' to INT32";
    const failure = await encodeErrorToFailure(converter, ApplicationFailure.nonRetryable(marker, 'EdpBadSql'));
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const stored = Buffer.from(temporal.api.failure.v1.Failure.encode(failure).finish());
    expect(stored.includes(Buffer.from('Kofi Rossi'))).toBe(false);
    expect(stored.includes(Buffer.from('M0000001'))).toBe(false);
    const decoded = converter.failureConverter.failureToError(
      { ...failure, encodedAttributes: (await converter.payloadCodecs[0].decode([failure.encodedAttributes!]))[0] },
      converter.payloadConverter,
    );
    expect(decoded.message).toBe(marker);
  });
});
