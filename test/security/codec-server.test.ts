import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { stringify } from 'yaml';
import { freePort } from '../../infra/process';
import { AesGcmPayloadCodec, newKeySet, parseCodecKeys } from '../../workers/payload-codec';
import { rawRequest } from '../helpers/http-raw';
import { tmpDir } from '../helpers/tmp';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');
const UI = 'http://127.0.0.1:8233';
const PHI = 'Kofi Rossi M0000001';

/** `edp codec-server` as `edp up` starts it: from config alone, no token given. */
describe('the codec server started as edp up starts it', () => {
  const dir = tmpDir('edp-security-codec-');
  const keyFile = join(dir, 'keys.json');
  const configFile = join(dir, 'edp.config.yaml');
  const env = { ...process.env, EDP_CONFIG: configFile };
  let port: number;
  let server: ChildProcess;
  let encrypted: { metadata: Record<string, string>; data: string };

  const decode = (headers: Record<string, string>, body = JSON.stringify({ payloads: [encrypted] })) =>
    rawRequest(`http://127.0.0.1:${port}/decode`, {
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers },
      body,
    });
  const token = () => readFileSync(join(dir, 'state', 'codec-token'), 'utf8').trim();

  beforeAll(async () => {
    port = await freePort();
    writeFileSync(keyFile, newKeySet('k1'), { mode: 0o600 });
    writeFileSync(
      configFile,
      stringify({ stateDir: join(dir, 'state'), temporal: { payloadKeyFile: keyFile, codecPort: port, uiUrl: UI } }),
    );
    const codec = new AesGcmPayloadCodec(parseCodecKeys(readFileSync(keyFile, 'utf8'), keyFile));
    const plain: Payload = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from(JSON.stringify(PHI)),
    };
    const [p] = await codec.encode([plain]);
    encrypted = {
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    };
    server = spawn(process.execPath, [EDP, 'codec-server'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`codec server exited with ${code}`)));
      server.stdout!.on('data', (c: Buffer) => {
        if (c.toString().includes('codec server on')) resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => {
      server.once('exit', resolve);
      server.kill('SIGTERM');
    });
  });

  it('generates its token on first start, readable by the owner only', () => {
    expect(statSync(join(dir, 'state', 'codec-token')).mode & 0o777).toBe(0o600);
    expect(token()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('decodes nothing without the token, or with a wrong one', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { cookie: 'edp_codec_token=wrong' },
    ];
    for (const headers of attempts) {
      const res = await decode(headers);
      expect(res.status).toBe(401);
      expect(res.body).not.toContain(PHI);
    }
  });

  it('decodes for a caller holding the token (the temporal CLI: --codec-auth)', async () => {
    const res = await decode({ authorization: `Bearer ${token()}` });
    expect(res.status).toBe(200);
    const [p] = (JSON.parse(res.body) as { payloads: Array<{ data: string }> }).payloads;
    expect(Buffer.from(p.data, 'base64').toString()).toContain(PHI);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token', async () => {
    const rebound = await decode({ host: `evil.example:${port}`, authorization: `Bearer ${token()}` });
    expect(rebound.status).toBe(403);
    const crossSite = await decode({
      origin: 'http://evil.example',
      'content-type': 'text/plain',
      authorization: `Bearer ${token()}`,
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).not.toContain(PHI);
  });

  it('refuses a text/plain body (a cross-site POST needs no preflight for it)', async () => {
    const res = await decode({ 'content-type': 'text/plain', authorization: `Bearer ${token()}` });
    expect(res.status).toBe(415);
  });

  it('lets the Web UI decode after the browser signs in: the cookie, CORS for the UI origin only', async () => {
    const url = spawnSync(process.execPath, [EDP, 'codec-server', '--sign-in-url'], { env, encoding: 'utf8' });
    expect(url.stdout.trim()).toBe(`http://127.0.0.1:${port}/login?token=${token()}`);
    const wrong = await rawRequest(`http://127.0.0.1:${port}/login?token=wrong`, { method: 'GET' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await rawRequest(url.stdout.trim(), { method: 'GET' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe(UI);
    const [cookie] = signIn.headers['set-cookie'] as string[];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const res = await decode({ origin: UI, cookie: cookie.split(';')[0], 'x-namespace': 'default' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});
