import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../infra/process';
import { rawRequest } from '../helpers/http-raw';
import { testConfig } from '../helpers/platform';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');

/** `edp console` as `edp up` starts it: on loopback, no users file, its output going to a log file. */
describe('the console started as edp up starts it (loopback, no users file)', () => {
  let port: number;
  let server: ChildProcess;
  let output = '';
  let env: NodeJS.ProcessEnv;
  let tokenFile: string;

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(url(path), { method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } });
  const token = () => readFileSync(tokenFile, 'utf8').trim();

  beforeAll(async () => {
    port = await freePort();
    const loaded = testConfig('sec-console', { console: { port } });
    tokenFile = join(loaded.config.stateDir, 'console-token');
    env = { ...process.env, EDP_CONFIG: loaded.file };
    server = spawn(process.execPath, [EDP, 'console'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`console exited with ${code}: ${output}`)));
      const read = (c: Buffer) => {
        output += c.toString();
        if (output.includes('console on')) resolve();
      };
      server.stdout!.on('data', read);
      server.stderr!.on('data', read);
    });
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => {
      server.once('exit', resolve);
      server.kill('SIGTERM');
    });
  });

  it('generates its token on first start, readable by the owner only, and never writes it to its output', () => {
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(token()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(output).not.toContain(token());
    expect(output).toContain('edp console --sign-in-url');
  });

  it('answers nothing without the token: pages, data and actions are 401', async () => {
    for (const path of ['/', '/grid', '/api/grid', '/actions', '/api/streaming', '/static/console.js']) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 401]);
    }
    const action = await rawRequest(url('/api/actions/pause'), {
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(action.status).toBe(401);
    for (const headers of <Array<Record<string, string>>>[
      { authorization: 'Bearer wrong-token-000000000000' },
      { cookie: 'edp_console_token=wrong' },
      { authorization: `Basic ${Buffer.from('someone:wrong').toString('base64')}` },
    ])
      expect((await get('/api/grid', headers)).status).toBe(401);
  });

  it('answers a caller holding the token', async () => {
    expect((await get('/api/actions', { authorization: `Bearer ${token()}` })).status).toBe(200);
  });

  it('signs a browser in with the link `edp console --sign-in-url` prints: an HttpOnly, SameSite=Strict cookie', async () => {
    const printed = spawnSync(process.execPath, [EDP, 'console', '--sign-in-url'], { env, encoding: 'utf8' });
    expect(printed.stdout.trim()).toBe(`http://127.0.0.1:${port}/?token=${token()}`);
    const wrong = await get('/?token=wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await get(`/grid?pipeline=platform&token=${token()}`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/grid?pipeline=platform'); // the token leaves the address bar
    const [cookie] = signIn.headers['set-cookie'] as string[];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await get('/api/actions', { cookie: cookie.split(';')[0] })).status).toBe(200);
    // A path that normalizes to `//host` must not send the browser to another site.
    const open = await get(`/.//evil.example/?token=${token()}`);
    expect(open.headers.location).toMatch(/^\/(?!\/)/);
  });

  it('lets a link from another site (an alert in a chat) reload once from its own origin, where the cookie goes', async () => {
    const res = await get('/grid?pipeline=platform', { 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(401);
    expect(res.body).toContain('http-equiv="refresh"');
    expect(res.body).not.toContain(token());
  });
});
