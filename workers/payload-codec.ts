import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../lib/errors';

/** The `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Environment variable holding the key set as JSON (takes precedence over `security.payloadKeyFile`). */
export const KEYS_ENV = 'EDP_PAYLOAD_KEYS';

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
    throw new CodecKeyError(`security.payloadKeyFile ${keyFile}: ${(err as Error).message}`);
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
 * The data converter for the project's clients and workers: encrypting when a key set is configured
 * (EDP_PAYLOAD_KEYS or `temporal.payloadKeyFile`), Temporal's default otherwise.
 */
export function dataConverterFor(
  config: { temporal: { payloadKeyFile?: string } },
  env: NodeJS.ProcessEnv = process.env,
): { payloadCodecs: PayloadCodec[] } | undefined {
  const keys = loadCodecKeys(env, config.temporal.payloadKeyFile);
  return keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : undefined;
}
