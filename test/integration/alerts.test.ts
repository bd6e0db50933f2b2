import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { IncidentAlert } from '../../activities/alerts';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { loadConfig } from '../../workers/config';
import { landSample, runInterval, testClient, testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const REPO = join(__dirname, '..', '..');
const interval = { start: '2026-08-03T00:00:00.000Z', end: '2026-08-03T04:00:00.000Z' };

/** A singular dbt test on dim_member that fails (returns a row) or passes (returns none). */
const probeTest = (fails: boolean): string =>
  `select member_id from {{ ref('dim_member') }} ${fails ? 'limit 1' : 'where 1 = 0'}\n`;

/** An error-severity rule on the portal mart that blocks (more rows than there are) or passes. */
const probeRule = (blocks: boolean) => ({ name: 'alert_probe', type: 'row_count', min: blocks ? 100_000_000 : 1 });

/**
 * Alerts for what went wrong, on the dev server with real pipeline runs and a loopback webhook: a failed run,
 * retries exhausted, a failed error-severity dbt test, a blocked gate and a failed error-severity quality rule
 * each alert once per incident however often the interval is re-run, and recover once when a run no longer
 * finds them.
 */
describe('run alerts (dev server, DuckDB, webhook)', () => {
  let server: Server;
  const bodies: IncidentAlert[] = [];
  const slack: Array<{ text: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as IncidentAlert & { text: string };
        if (req.url === '/slack') slack.push(body);
        else bodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('alerts each incident once and recovers it once, across re-runs of the interval', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const base = testConfig('it-alerts');
    const project = join(tmpDir('edp-alerts-project-'), 'models');
    cpSync(join(REPO, 'models'), project, { recursive: true });
    const rules = join(tmpDir('edp-alerts-rules-'), 'rules');
    cpSync(join(REPO, 'quality', 'rules'), rules, { recursive: true });
    const doc = parse(readFileSync(base.file, 'utf8')) as Record<string, unknown> & {
      sources: Array<{ port: number }>;
    };
    const goodPort = doc.sources[0].port;
    const martRules = parse(readFileSync(join(rules, 'marts.yml'), 'utf8')) as { rules: unknown[] };

    /** Rewrites the config, the probe test and the probe rule; returns the config as the next run reads it. */
    const setUp = (o: { sourcePort: number; testFails: boolean; ruleBlocks: boolean }) => {
      writeFileSync(join(project, 'tests', 'assert_alert_probe.sql'), probeTest(o.testFails));
      writeFileSync(
        join(rules, 'marts.yml'),
        stringify({ ...martRules, rules: [...martRules.rules, probeRule(o.ruleBlocks)] }),
      );
      writeFileSync(
        base.file,
        stringify({
          ...doc,
          pipeline: {
            ...(doc.pipeline as object),
            retries: { ingest: { maxAttempts: 2, initialSeconds: 1 } },
          },
          sources: doc.sources.map((s) => ({ ...s, port: o.sourcePort })),
          transform: { projectDir: project },
          quality: { rulesDir: rules },
          alerts: {
            webhooks: [
              { name: 'ops', url: `${url}/ops`, format: 'json' },
              { name: 'chat', url: `${url}/slack`, format: 'slack' },
            ],
            // Chat hears only of failed runs, and PagerDuty-style severities are per kind.
            routes: {
              'run-failed': { severity: 'critical' },
              'gate-blocked': { webhooks: ['ops'] },
              'test-failed': { webhooks: ['ops'], severity: 'warning' },
              'rule-failed': { webhooks: ['ops'] },
              'retries-exhausted': { webhooks: ['ops'] },
            },
            consoleUrl: 'http://127.0.0.1:8090',
          },
        }),
      );
      return loadConfig({ file: base.file, env: {} }).config;
    };

    const first = setUp({ sourcePort: 1, testFails: true, ruleBlocks: true });
    await landSample(base, interval, { members: 60, providers: 10, claimsPerInterval: 300 });
    const { client, close } = await testClient(first);
    const run = (config: typeof first) => runInterval(client, config, interval);
    const sent = () => bodies.map((b) => `${b.event} ${b.kind} ${b.subject}`);
    try {
      // 1. The SQL source is down: its extract exhausts its retries and the run fails in ingest. Twice.
      expect(await run(first)).toBe('failed');
      expect(await run(first)).toBe('failed');
      expect(sent().sort()).toEqual(['alert retries-exhausted ingest:extractSqlTable', 'alert run-failed ']);

      // 2. The source is back; the probe test fails, so the run still fails (no second run-failed alert).
      expect(await run(setUp({ sourcePort: goodPort, testFails: true, ruleBlocks: true }))).toBe('failed');
      const testId = bodies.find((b) => b.kind === 'test-failed')?.subject;
      expect(testId).toMatch(/^test\.\w+\.assert_alert_probe$/);
      expect(sent().slice(2).sort()).toEqual([
        `alert test-failed ${testId}`,
        'recovery retries-exhausted ingest:extractSqlTable',
      ]);

      // 3. The test passes; the probe rule blocks publishing. Twice.
      const blocking = setUp({ sourcePort: goodPort, testFails: false, ruleBlocks: true });
      expect(await run(blocking)).toBe('blocked');
      expect(await run(blocking)).toBe('blocked');
      expect(sent().slice(4).sort()).toEqual([
        'alert gate-blocked ',
        'alert rule-failed marts.member_claims_summary:alert_probe',
        'recovery run-failed ',
        `recovery test-failed ${testId}`,
      ]);

      // 4. The rule holds again: the run publishes.
      expect(await run(setUp({ sourcePort: goodPort, testFails: false, ruleBlocks: false }))).toBe('succeeded');
      expect(sent().slice(8).sort()).toEqual([
        'recovery gate-blocked ',
        'recovery rule-failed marts.member_claims_summary:alert_probe',
      ]);

      // Exactly one alert and one recovery per incident, in that order.
      const byIncident = new Map<string, string[]>();
      for (const b of bodies) byIncident.set(b.dedupKey, [...(byIncident.get(b.dedupKey) ?? []), b.event]);
      expect([...byIncident.values()]).toEqual(Array.from({ length: 5 }, () => ['alert', 'recovery']));

      // What an alert says: severity per route, links to the console's grid and the Temporal run, no row values.
      const failedRun = bodies.find((b) => b.kind === 'run-failed' && b.event === 'alert')!;
      expect(failedRun).toMatchObject({
        severity: 'critical',
        pipeline: first.pipeline.name,
        interval,
        detail: expect.stringMatching(/^step ingest failed \(\w+\)$/),
        links: {
          console: `http://127.0.0.1:8090/grid?pipeline=${first.pipeline.name}&interval=${encodeURIComponent(interval.start)}`,
          temporal: expect.stringMatching(
            new RegExp(
              `^${first.temporal.uiUrl}/namespaces/default/workflows/edp-pipeline-${first.pipeline.name}-.+/history$`,
            ),
          ),
        },
      });
      expect(bodies.find((b) => b.kind === 'test-failed')).toMatchObject({
        severity: 'warning',
        detail: '1 failing row',
      });
      expect(bodies.find((b) => b.kind === 'rule-failed')?.detail).toMatch(/^row_count: \d+ of \d+ rows fail$/);
      // The Slack webhook got only the failed run's alert and recovery.
      expect(slack.map((s) => s.text.split('\n')[0])).toEqual([
        expect.stringMatching(/^:red_circle: Run failed: .*: step ingest failed/),
        expect.stringMatching(/^:large_green_circle: Recovered: Run failed: /),
      ]);

      const w = await DuckDbWarehouse.open({ path: first.warehouse.duckdb.path });
      const open = await w.query('SELECT count(*)::INTEGER AS n FROM audit.alert_incidents WHERE closed_at IS NULL');
      await w.close();
      expect(open).toEqual([{ n: 0 }]);
    } finally {
      await close();
    }
  }, 900_000);
});
