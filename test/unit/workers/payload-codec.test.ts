import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { startCodecServer } from '../../../workers/codec-server';
import { AesGcmPayloadCodec, CodecKeyError, parseCodecKeys, type CodecKeys } from '../../../workers/payload-codec';

const key = (): string => randomBytes(32).toString('base64');
const k1 = key();
const k2 = key();
const keys = (current: string, set: Record<string, string>): CodecKeys =>
  parseCodecKeys(JSON.stringify({ current, keys: set }), 'test keys');
const MARKER = 'PHI-MARKER Jane Q. Member 1970-01-01';
const plain = (): Payload => defaultPayloadConverter.toPayload({ member: MARKER, claims: 3 });

describe('AES-256-GCM payload codec', () => {
  it('encrypts so the plain text is gone, and decrypts to the same payload', async () => {
    const codec = new AesGcmPayloadCodec(keys('k1', { k1 }));
    const [encoded] = await codec.encode([plain()]);
    expect(Buffer.from(encoded.metadata![METADATA_ENCODING_KEY]).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.metadata!['encryption-key-id']).toString()).toBe('k1');
    expect(Buffer.from(encoded.data!).includes(Buffer.from('PHI-MARKER'))).toBe(false);
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ member: MARKER, claims: 3 });
  });

  it('decrypts with an old key after rotation, and says which key is missing when it is gone', async () => {
    const [old] = await new AesGcmPayloadCodec(keys('k1', { k1 })).encode([plain()]);
    const rotated = new AesGcmPayloadCodec(keys('k2', { k1, k2 }));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual({
      member: MARKER,
      claims: 3,
    });
    const [fresh] = await rotated.encode([plain()]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']).toString()).toBe('k2');
    await expect(new AesGcmPayloadCodec(keys('k2', { k2 })).decode([old])).rejects.toThrow(
      'payload encrypted with key "k1", which is not in the key set',
    );
  });

  it('refuses a tampered payload and passes through payloads it did not encrypt', async () => {
    const codec = new AesGcmPayloadCodec(keys('k1', { k1 }));
    const [encoded] = await codec.encode([plain()]);
    const data = Buffer.from(encoded.data!);
    data[20] ^= 1;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow();
    const unencrypted = plain();
    expect(await codec.decode([unencrypted])).toEqual([unencrypted]);
  });

  it('rejects unusable key sets with the source named and no key material', () => {
    expect(() => parseCodecKeys('{', 'keys.json')).toThrow(CodecKeyError);
    expect(() => parseCodecKeys('{', 'keys.json')).toThrow(/^keys.json: not JSON/);
    expect(() => parseCodecKeys(JSON.stringify({ current: 'a', keys: { a: 'c2hvcnQ=' } }), 'EDP_PAYLOAD_KEYS')).toThrow(
      'EDP_PAYLOAD_KEYS: key "a" must be 32 bytes, base64-encoded',
    );
    expect(() => parseCodecKeys(JSON.stringify({ current: 'b', keys: { a: k1 } }), 'f')).toThrow(
      'f: "current" must name one of the keys (a)',
    );
  });
});

describe('codec server (loopback HTTP)', () => {
  const UI = 'http://127.0.0.1:8233';
  const codec = new AesGcmPayloadCodec(keys('k1', { k1 }));
  const json = (p: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data!).toString('base64'),
  });

  it('decodes for the Web UI origin, with CORS for that origin only, and enforces the token', async () => {
    const server = await startCodecServer({ codec, port: 0, uiOrigin: UI, token: 's3cret' });
    try {
      const [encoded] = await codec.encode([plain()]);
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/decode`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ payloads: [json(encoded)] }),
        });
      const ok = await post({ Origin: UI, Authorization: 'Bearer s3cret', 'X-Namespace': 'default' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
      const body = (await ok.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(body.payloads[0].data, 'base64').toString()).toContain('PHI-MARKER');
      expect((await post({ Origin: 'http://evil.example', Authorization: 'Bearer s3cret' })).status).toBe(403);
      expect((await post({ Origin: UI })).status).toBe(401);
      expect((await post({ Origin: UI, Authorization: 'Bearer wrong' })).status).toBe(401);
      const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('X-Namespace');
    } finally {
      await server.close();
    }
  });
});
