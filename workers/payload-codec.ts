import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../lib/errors';
import { defaultKeyFile, KEYS_ENV } from './payload-key-location';

export { defaultKeyFile, KEYS_ENV };

/** The `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encryption keys: `current` encrypts; every key in `keys` decrypts (old keys stay for rotation). */
export interface CodecKeys {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A key set that cannot be used; the message names where it came from and what is wrong. */
export class CodecKeyError extends ConfigError {}

/**
 * Parses a key set: `{"current": "<id>", "keys": {"<id>": "<32 bytes, base64>", …}}`. `source` names
 * the file or variable it came from, for the error message; the key material never appears in one.
 */
export function parseCodecKeys(json: string, source: string): CodecKeys {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new CodecKeyError(`${source}: not JSON (expected {"current": "<id>", "keys": {"<id>": "<base64>"}})`);
  }
  const { current, keys } = (doc ?? {}) as { current?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new CodecKeyError(`${source}: "keys" must be an object of key id → base64 key`);
  }
  const map = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new CodecKeyError(`${source}: key "${id}" must be 32 bytes, base64-encoded`);
    map.set(id, key);
  }
  if (typeof current !== 'string' || !map.has(current)) {
    throw new CodecKeyError(`${source}: "current" must name one of the keys (${[...map.keys()].join(', ') || 'none'})`);
  }
  return { current, keys: map };
}

/** The configured key set, from `EDP_PAYLOAD_KEYS` or the key file; undefined when neither is set (no encryption). */
export function loadCodecKeys(env: NodeJS.ProcessEnv, keyFile: string | undefined): CodecKeys | undefined {
  const fromEnv = env[KEYS_ENV];
  if (fromEnv) return parseCodecKeys(fromEnv, KEYS_ENV);
  if (!keyFile) return undefined;
  let text: string;
  try {
    text = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new CodecKeyError(`temporal.payloadKeyFile ${keyFile}: ${(err as Error).message}`);
  }
  return parseCodecKeys(text, keyFile);
}

/** A fresh key set with one random key, as `edp codec-keys` writes it. */
export function newKeySet(id: string): string {
  return `${JSON.stringify({ current: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2)}\n`;
}

/** A rejected promise, not a synchronous throw, when `fn` fails. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Encrypts every payload with AES-256-GCM under the current key, so nothing Temporal stores (inputs,
 * results, failures' details, heartbeats, search-attribute-free memo) is readable without a key.
 * Decrypts with whichever key the payload names; payloads it did not encrypt pass through.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.current)!;
    return settle(() =>
      payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
            [KEY_ID_METADATA]: Buffer.from(this.keys.current),
          },
          data,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() =>
      payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
        const id = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
        const key = this.keys.keys.get(id);
        if (!key) throw new CodecKeyError(`payload encrypted with key "${id}", which is not in the key set`);
        const data = Buffer.from(payload.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }
}

/**
 * Writes a fresh key set to `file` (mode 600) unless one is there. Linked into place from a private
 * temporary file, so a worker and a CLI starting together never read a half-written set or make two.
 */
function createKeySet(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, newKeySet(new Date().toISOString().slice(0, 10)), { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The config keys the payload encryption reads. */
export interface PayloadEncryptionConfig {
  stateDir: string;
  temporal: { payloadEncryption: boolean; payloadKeyFile?: string };
}

/**
 * The project's key set, the one source for every worker and client: `EDP_PAYLOAD_KEYS`, else the
 * key file, which is created on first use when it is the state folder's default (a configured file must
 * exist: a missing mount must not silently start a new key). Undefined only with `payloadEncryption: false`.
 */
export function codecKeysFor(
  config: PayloadEncryptionConfig,
  env: NodeJS.ProcessEnv = process.env,
): CodecKeys | undefined {
  const { payloadEncryption, payloadKeyFile } = config.temporal;
  if (!payloadEncryption) {
    if (env[KEYS_ENV])
      throw new CodecKeyError(`${KEYS_ENV} is set while temporal.payloadEncryption is false: unset one`);
    return undefined;
  }
  const file = payloadKeyFile ?? defaultKeyFile(config.stateDir);
  if (!env[KEYS_ENV] && file === defaultKeyFile(config.stateDir) && !existsSync(file)) createKeySet(file);
  return loadCodecKeys(env, file);
}

/**
 * The data converter for the project's clients and workers, from {@link codecKeysFor}: payloads through
 * the codec, and failures' messages and stack traces moved into an encoded attribute first (they quote
 * driver errors, which may quote row values). Temporal's default, all plain, with encryption off.
 */
export function dataConverterFor(
  config: PayloadEncryptionConfig,
  env: NodeJS.ProcessEnv = process.env,
): DataConverter | undefined {
  const keys = codecKeysFor(config, env);
  if (!keys) return undefined;
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keys)],
    // A path, not an instance: the worker loads it inside the workflow sandbox too.
    failureConverterPath: require.resolve('./encoded-failure-converter'),
  };
}
