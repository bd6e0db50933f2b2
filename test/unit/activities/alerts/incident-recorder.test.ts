import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { recordRunIncidents, type IncidentDeps, type RunIncidentReport } from '../../../../activities/alerts';
import { DuckDbWarehouse, type Warehouse } from '../../../../activities/warehouse';
import type { WebhookConfig } from '../../../../lib/config/schema';
import { tmpDir } from '../../../helpers/tmp';

const interval = { start: '2026-06-01T04:00:00.000Z', end: '2026-06-01T08:00:00.000Z' };
const report = (runId: string, found: RunIncidentReport['found'], checked: RunIncidentReport['checked']) => ({
  pipeline: 'platform',
  interval,
  workflowId: 'edp-pipeline-platform-2026-06-01T04:00Z',
  runId,
  found,
  checked,
});
const failed = { kind: 'run-failed', subject: '', detail: 'step transform failed (EdpBadSql)' };
const test = { kind: 'test-failed', subject: 'test.edp.not_null_x', detail: '3 failing rows' };

/** The incident recorder on a real DuckDB file, alerting a loopback webhook. */
describe('incident recorder (DuckDB, loopback webhook)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ path: string; body: Record<string, unknown> }> = [];
  let status = 204;
  let w: Warehouse;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        if (status < 300) received.push({ path: req.url!, body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(async () => {
    received.length = 0;
    status = 204;
    w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
  });
  afterEach(() => w.close());

  const deps = (webhooks: WebhookConfig[], routes: IncidentDeps['alerts']['routes'] = {}): IncidentDeps => ({
    warehouse: w,
    alerts: { webhooks, routes },
    links: { consoleUrl: 'http://console.local/', temporalUiUrl: 'http://ui.local:8233', namespace: 'default' },
  });
  const events = () => received.map((r) => `${r.path} ${String(r.body.event)} ${String(r.body.kind)}`);

  it('opens an incident once however often runs find it, and recovers it once a run checked it and did not', async () => {
    const d = deps([{ name: 'ops', url: `${url}/ops`, format: 'json' }]);
    expect(await recordRunIncidents(d, report('r1', [failed, test], [{ kind: 'run-failed' }]))).toMatchObject({
      opened: [
        'platform|2026-06-01T04:00:00.000Z|run-failed|',
        'platform|2026-06-01T04:00:00.000Z|test-failed|test.edp.not_null_x',
      ],
      recovered: [],
      sent: 2,
    });
    // A re-run that fails earlier: it did not run the test, so the test's incident stays open and silent.
    expect(await recordRunIncidents(d, report('r2', [failed], [{ kind: 'run-failed' }]))).toMatchObject({
      opened: [],
      recovered: [],
      sent: 0,
    });
    const fixed = report('r3', [], [{ kind: 'run-failed' }, { kind: 'test-failed', subject: test.subject }]);
    const r3 = await recordRunIncidents(d, fixed);
    expect(r3.recovered.sort()).toEqual([
      'platform|2026-06-01T04:00:00.000Z|run-failed|',
      'platform|2026-06-01T04:00:00.000Z|test-failed|test.edp.not_null_x',
    ]);
    expect(r3.sent).toBe(2);
    expect(await recordRunIncidents(d, fixed)).toMatchObject({ opened: [], recovered: [], sent: 0 });
    expect(events()).toEqual([
      '/ops alert run-failed',
      '/ops alert test-failed',
      '/ops recovery run-failed',
      '/ops recovery test-failed',
    ]);
    expect(received[0].body).toEqual({
      event: 'alert',
      kind: 'run-failed',
      severity: 'error',
      dedupKey: 'platform|2026-06-01T04:00:00.000Z|run-failed|',
      pipeline: 'platform',
      interval,
      subject: '',
      detail: 'step transform failed (EdpBadSql)',
      summary: 'Run failed: platform 2026-06-01T04:00Z: step transform failed (EdpBadSql)',
      openedAt: expect.any(String),
      links: {
        console: 'http://console.local/grid?pipeline=platform&interval=2026-06-01T04%3A00%3A00.000Z',
        temporal:
          'http://ui.local:8233/namespaces/default/workflows/edp-pipeline-platform-2026-06-01T04%3A00Z/r1/history',
      },
    });
    // The recovery links to the run that cleared it.
    expect((received[2].body.links as { temporal: string }).temporal).toMatch(/\/r3\/history$/);
    // The same incident recurring later is a new incident: alerted again.
    await recordRunIncidents(d, report('r4', [failed], [{ kind: 'run-failed' }]));
    expect(events().slice(4)).toEqual(['/ops alert run-failed']);
  });

  it('routes each kind to its webhooks with its severity, in each webhook format', async () => {
    const d = deps(
      [
        { name: 'ops', url: `${url}/ops`, format: 'json' },
        { name: 'pd', url: `${url}/pd`, format: 'pagerduty', routingKey: 'R0UT1NG' },
        { name: 'chat', url: `${url}/chat`, format: 'slack' },
      ],
      {
        'run-failed': { webhooks: ['pd', 'chat'], severity: 'critical' },
        'test-failed': { webhooks: [], severity: 'error' },
      },
    );
    await recordRunIncidents(d, report('r1', [failed, test], []));
    expect(received.map((r) => r.path).sort()).toEqual(['/chat', '/pd']);
    expect(received.find((r) => r.path === '/pd')!.body).toMatchObject({
      routing_key: 'R0UT1NG',
      event_action: 'trigger',
      dedup_key: 'platform|2026-06-01T04:00:00.000Z|run-failed|',
      payload: { severity: 'critical', component: 'run-failed', source: 'edp-pipelines/platform' },
      links: [
        { href: expect.stringMatching(/^http:\/\/console\.local\/grid\?/), text: 'console' },
        { href: expect.stringMatching(/^http:\/\/ui\.local:8233\//), text: 'Temporal run' },
      ],
    });
    expect(String(received.find((r) => r.path === '/chat')!.body.text)).toMatch(
      /^:red_circle: Run failed: platform 2026-06-01T04:00Z: step transform failed \(EdpBadSql\)\n<http:\/\/console\.local\/grid\?.*\|console> · <http:\/\/ui\.local:8233\/.*\|Temporal run>$/,
    );
  });

  it('resends only what a webhook did not take', async () => {
    const d = deps([{ name: 'ops', url: `${url}/ops`, format: 'json' }]);
    status = 503;
    await expect(recordRunIncidents(d, report('r1', [failed], []))).rejects.toThrow('webhook "ops" answered 503');
    status = 204;
    // The retried activity (or the next run's report) delivers it, once.
    expect(await recordRunIncidents(d, report('r1', [failed], []))).toMatchObject({ opened: [], sent: 1 });
    expect(await recordRunIncidents(d, report('r2', [failed], []))).toMatchObject({ sent: 0 });
    expect(events()).toEqual(['/ops alert run-failed']);
  });
});
