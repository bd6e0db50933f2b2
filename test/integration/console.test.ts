import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseProject } from '../../activities/transform/parse';
import { DEFAULT_TARGET } from '../../activities/transform/plan';
import { startPipeline } from '../../cli/pipeline-run';
import { withWorker } from '../../cli/session';
import { consoleTokenFile } from '../../console/auth';
import { openConsole } from '../../console/serve';
import { startConsoleServer, type ConsoleServer } from '../../console/server';
import { ConsoleContext } from '../../console/context';
import { loadConfig } from '../../workers/config';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { screenshotDir, useChromium } from '../helpers/chromium';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');
const IMAGES = screenshotDir();
const BROKEN = 'int_claims_enriched';

/** Every table a node reads, directly or through its ancestors, from the parsed project (independently of the console). */
function upstreamTables(projectDir: string, table: string): Set<string> {
  const m = parseProject(projectDir, { target: DEFAULT_TARGET });
  const relationOf = (id: string) => {
    const r = m.nodes[id]?.relation ?? m.sources[id]?.relation;
    return r ? `${r.schema}.${r.identifier}` : undefined;
  };
  const start = Object.values(m.nodes).find((n) => relationOf(n.id) === table)!;
  const out = new Set<string>();
  const walk = (id: string) => {
    for (const p of m.nodes[id]?.dependsOn ?? []) {
      const t = relationOf(p);
      if (t && !out.has(t)) out.add(t);
      walk(p);
    }
  };
  walk(start.id);
  return out;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: join(IMAGES, `console-${name}.png`), fullPage: true });
}

/** The console in a real headless Chromium, over a real pipeline run on the dev server and DuckDB. */
describe('console (dev server, DuckDB, headless Chromium)', () => {
  const interval = { start: '2026-08-01T00:00:00.000Z', end: '2026-08-01T04:00:00.000Z' };
  const browser = useChromium();

  it('shows a broken model red with its error, clears it and its descendants, and shows every mart upstream; no PHI', async () => {
    const models = join(tmpDir('edp-console-models-'), 'models');
    cpSync(join(REPO, 'models'), models, { recursive: true });
    const modelFile = join(models, 'intermediate', `${BROKEN}.sql`);
    const good = readFileSync(modelFile, 'utf8');
    writeFileSync(modelFile, good.replace('select c.*,', 'select c.*, c.no_such_column,'));
    const loaded = testConfig('it-console', {
      pipeline: { name: 'console', heartbeatSeconds: 5, sensor: { pokeMinutes: 1, timeoutMinutes: 1 } },
      transform: { projectDir: models },
      console: { port: 0, refreshSeconds: 1 },
      // The platform's topics (none runs here): the lineage page shows them upstream of the staging models.
      streaming: { topics: loadConfig({ file: join(REPO, 'edp.config.yaml'), env: {} }).config.streaming.topics },
    });
    const { config } = loaded;
    await landSample(loaded, interval, { members: 120, claimsPerInterval: 600 });
    const { client, close } = await testClient(config);
    let server: ConsoleServer | undefined;
    try {
      await withWorker(
        config,
        async () => {
          await expect((await startPipeline(client, config, interval)).result()).rejects.toThrow();
          server = await openConsole(loaded);
          const page = await browser().newPage({ viewport: { width: 1500, height: 1000 } });
          page.on('dialog', (d) => void d.accept());
          const pageLog: string[] = [];
          page.on('console', (m) => pageLog.push(m.text()));
          page.on('requestfinished', (r) => {
            if (r.method() === 'POST') pageLog.push(`POST ${r.url()}`);
          });
          page.on('response', (r) => {
            if (r.status() >= 500) pageLog.push(`${r.status()} ${r.url()}`);
          });
          page.on('requestfailed', (r) => pageLog.push(`failed ${r.url()} ${r.failure()?.errorText}`));
          const bodies: string[] = [];
          page.on('response', (r) => {
            if (r.url().startsWith(server!.url) && !r.url().endsWith('.png'))
              void r.text().then(
                (t) => bodies.push(t),
                () => undefined,
              );
          });

          // The grid: the broken model's cell is red, its children's skipped.
          // Signing in: the link `edp console` prints sets the cookie and lands on the grid without the token.
          const token = readFileSync(consoleTokenFile(config), 'utf8').trim();
          expect(server.signInUrl).toBe(`${server.url}/?token=${token}`);
          await page.goto(server.signInUrl!);
          expect(page.url()).toBe(`${server.url}/`);
          const cell = page.locator(`button[data-node$=".${BROKEN}"][data-interval="${interval.start}"]`);
          await expect(cell.getAttribute('class')).resolves.toContain('s-failed');
          await expect(
            page
              .locator(`button[data-node$=".member_claims_summary"][data-interval="${interval.start}"]`)
              .getAttribute('class'),
          ).resolves.toContain('s-skipped');

          // Clicking it shows the error, the SQL and the attempts.
          await cell.click();
          const error = page.locator('#details [data-error]');
          await error.waitFor();
          expect(await error.textContent()).toMatch(/no_such_column/);
          expect(await page.locator('#details pre.sql').textContent()).toContain('no_such_column');
          // The link to the exact activity: the Web UI's page of the event that scheduled the node's runNode, or the
          // runNodes of the batch it ran in (transform.batchNodes).
          const activity = (await page.locator('#details [data-activity-link]').getAttribute('href'))!;
          const parts = new RegExp(
            `^${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/([^/]+)/([^/]+)/history/events/(\\d+)$`,
          ).exec(activity);
          expect(parts).not.toBeNull();
          const scheduled = (
            await client.workflow.getHandle(decodeURIComponent(parts![1]), parts![2]).fetchHistory()
          ).events!.find((e) => Number(e.eventId) === Number(parts![3]));
          expect(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name).toMatch(/^runNodes?$/);
          await shot(page, 'grid');

          // The graph of the run: the failed node stands out, the skipped ones too.
          await page.goto(`${server.url}/graph?interval=${encodeURIComponent(interval.start)}`);
          expect(await page.locator(`g[data-node$=".${BROKEN}"]`).getAttribute('data-status')).toBe('failed');
          await shot(page, 'graph');

          // Fix the model, then clear + downstream from the cell.
          writeFileSync(modelFile, good);
          await page.goto(server.url);
          await page.waitForTimeout(5_500); // the console re-reads an edited project at most every 5 s
          await cell.click();
          await page.locator('#details [data-clear]').click();
          await page
            .locator('#flash[data-from="action"]')
            .waitFor({ timeout: 90_000 })
            .catch(async (err: Error) => {
              throw new Error(
                `${err.message}; flash: ${await page.locator('#flash').textContent()}; page: ${pageLog.join(' | ')}`,
              );
            });
          const flash = (await page.locator('#flash').textContent()) ?? '';
          expect(flash).toMatch(/^clearing int_claims_enriched and \d+ downstream/);
          const clearId = /: (edp-clear-\S+)$/.exec(flash)?.[1];
          expect(clearId).toBeDefined();
          const cleared = (await client.workflow.getHandle(clearId!).result()) as {
            models: Array<{ id: string; type: string; status: string }>;
          };
          // Temporal records who started it: the console user, as the starting client's identity.
          const [started] = (await client.workflow.getHandle(clearId!).fetchHistory()).events ?? [];
          expect(started.workflowExecutionStartedEventAttributes?.identity).toMatch(/^edp-console:.+/);
          const ctx = new ConsoleContext(config, client);
          const graph = ctx.project.current();
          const brokenId = graph.nodes.find((n) => n.name === BROKEN)!.id;
          const parents = new Map<string, string[]>();
          for (const [p, c] of graph.edges) parents.set(c, [...(parents.get(c) ?? []), p]);
          const isBelow = (id: string): boolean => id === brokenId || (parents.get(id) ?? []).some(isBelow);
          const expected = graph.nodes
            .filter((n) => isBelow(n.id))
            .map((n) => n.id)
            .sort();
          expect(expected.length).toBeGreaterThan(2);
          expect(
            cleared.models
              .filter((m) => m.type !== 'test')
              .map((m) => m.id)
              .sort(),
          ).toEqual(expected);
          expect(cleared.models.filter((m) => m.status !== 'success' && m.status !== 'warn')).toEqual([]);

          // The grid turns green for all of them (it refreshes itself).
          for (const id of expected) {
            await page
              .locator(`button[data-node="${id}"][data-interval="${interval.start}"].s-success`)
              .waitFor({ timeout: 30_000 });
          }
          await page.locator('[data-close]').click();

          // Lineage: every mart with all of its upstream, back to raw.
          await page.setViewportSize({ width: 2600, height: 1400 }); // the whole lineage in one picture
          await page.goto(`${server.url}/lineage`);
          const marts = graph.nodes.filter((n) => n.layer === 'marts' && n.table);
          expect(marts.length).toBeGreaterThan(3);
          for (const m of marts) {
            const upstream = (await page.locator(`g[data-node="${m.table}"]`).getAttribute('data-upstream'))!.split(
              ' ',
            );
            expect(upstream).toEqual(expect.arrayContaining([...upstreamTables(models, m.table!)]));
            expect(upstream.some((u) => u.startsWith('landing:'))).toBe(true);
          }
          // Topics: topic → raw → staging stream table → the staging model merging it → the marts.
          const claimsTopic = config.streaming.topics.find((t) => t.table === 'claim_events')!;
          const topicNode = page.locator(`g[data-node="topic:${claimsTopic.topic}"]`);
          expect(await topicNode.getAttribute('data-kind')).toBe('topic');
          const streamPath = [`topic:${claimsTopic.topic}`, 'raw.claim_events', 'staging.claim_events'];
          const upstreamOf = async (id: string) =>
            (await page.locator(`g[data-node="${id}"]`).getAttribute('data-upstream'))!.split(' ');
          expect(await upstreamOf('staging.claim_events')).toEqual(expect.arrayContaining(streamPath.slice(0, 2)));
          const stgClaims = graph.nodes.find((n) => n.name === 'stg_claims')!.table!;
          expect(await upstreamOf(stgClaims)).toEqual(expect.arrayContaining([...streamPath, 'landing:claims']));
          const fctClaims = graph.nodes.find((n) => n.name === 'fct_claims')!.table!;
          expect(await upstreamOf(fctClaims)).toEqual(expect.arrayContaining(streamPath));
          await shot(page, 'lineage');
          await page.setViewportSize({ width: 1500, height: 1000 });
          // The streaming page's picture comes from console-actions.test.ts, which runs a stream and its monitor.
          for (const name of ['quality', 'actions']) {
            await page.goto(`${server.url}/${name}`);
            await shot(page, name);
          }
          expect(await page.locator('#action-log').textContent()).toContain('clear');

          // No PHI anywhere the browser was sent: no member's name or birth date.
          for (const api of [
            '/api/grid',
            '/api/lineage',
            '/api/quality',
            '/api/streaming',
            `/api/cell?interval=${interval.start}&node=${brokenId}`,
          ])
            bodies.push(
              await (await fetch(`${server.url}${api}`, { headers: { authorization: `Bearer ${token}` } })).text(),
            );
          const file = readdirSync(config.landing.path, { recursive: true, encoding: 'utf8' }).find((f) =>
            basename(f).startsWith('members_'),
          )!;
          const [head, ...rows] = readFileSync(join(config.landing.path, file), 'utf8').trim().split('\n');
          const cols = head.split(',');
          const phi = rows.slice(0, 50).flatMap((r) => {
            const v = r.split(',');
            const at = (c: string) => v[cols.indexOf(c)];
            return [
              `${at('first_name')} ${at('last_name')}`,
              at('birth_date'),
              `${at('last_name')}, ${at('first_name')}`,
            ];
          });
          expect(bodies.length).toBeGreaterThan(10);
          const seen = phi.filter((p) => p && bodies.some((b) => b.includes(p)));
          expect(seen).toEqual([]);
        },
        () => {},
      );
    } finally {
      await server?.close();
      await close();
    }
  }, 600_000);

  it('refuses requests without a token when sign-in is on, and refuses to serve beyond loopback without it', async () => {
    const dir = tmpDir('edp-console-auth-');
    const users = join(dir, 'users');
    writeFileSync(users, 'ana:0123456789abcdef0123\n', { mode: 0o600 });
    const loaded = testConfig('it-console-auth', { console: { port: 0, usersFile: users } });
    const server = await openConsole(loaded);
    try {
      expect((await fetch(`${server.url}/api/grid`)).status).toBe(401);
      expect((await fetch(server.url, { headers: { authorization: 'Bearer wrong-token-0000000000' } })).status).toBe(
        401,
      );
      expect(
        (await fetch(`${server.url}/api/grid`, { headers: { authorization: 'Bearer 0123456789abcdef0123' } })).status,
      ).toBe(200);
      const basic = Buffer.from('ana:0123456789abcdef0123').toString('base64');
      expect((await fetch(server.url, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
      // A browser signs in with basic auth; without it, it gets no page.
      const signedIn = await browser().newPage({
        httpCredentials: { username: 'ana', password: '0123456789abcdef0123' },
      });
      expect((await signedIn.goto(server.url))?.status()).toBe(200);
      expect(await signedIn.locator('header .user').textContent()).toBe('ana');
      const anonymous = await browser().newPage();
      await expect(anonymous.goto(server.url)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      await Promise.all([signedIn.close(), anonymous.close()]);
    } finally {
      await server.close();
    }
    expect(() =>
      loadConfig({ file: testConfig('it-console-open', { console: { host: '0.0.0.0' } }).file, env: {} }),
    ).toThrow(/console\.usersFile/);
    const { client, close } = await testClient(loaded.config);
    try {
      await expect(
        startConsoleServer({ ctx: new ConsoleContext(loaded.config, client), host: '0.0.0.0', port: 0 }),
      ).rejects.toThrow(/usersFile is required/);
    } finally {
      await close();
    }
  });
});
