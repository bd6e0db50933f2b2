import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertBody, sendAlert, type Alert } from '../../../../activities/alerts/webhook';
import type { WebhookConfig } from '../../../../lib/config/schema';

const alert: Alert = {
  kind: 'breach',
  breachId: 'platform:latency:2026-06-01T09:00:00.000Z',
  pipeline: 'platform',
  sla: 'latency',
  detail: 'interval 2026-06-01T04:00Z had not finished 60 min after its end (allowed 30 min)',
  openedAt: '2026-06-01 09:00:00+00',
};

describe('webhook notifier (loopback HTTP)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ body: unknown }> = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(text) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received.length = 0;
    status = 200;
  });

  it('posts JSON, Slack and PagerDuty bodies', async () => {
    await sendAlert({ name: 'ops', url, format: 'json' }, alert);
    await sendAlert({ name: 'slack', url, format: 'slack' }, alert);
    await sendAlert({ name: 'pd', url, format: 'pagerduty', routingKey: 'R0UT1NG' }, { ...alert, kind: 'recovery' });
    expect(received[0].body).toEqual(alert);
    expect(received[1].body).toEqual({ text: `:red_circle: SLA breach: platform latency: ${alert.detail}` });
    expect(received[2].body).toMatchObject({
      routing_key: 'R0UT1NG',
      event_action: 'resolve',
      dedup_key: alert.breachId,
      payload: { severity: 'error', source: 'edp-pipelines/platform', component: 'latency' },
    });
  });

  it('classifies failures and names the webhook, never its URL', async () => {
    const hook: WebhookConfig = { name: 'ops', url, format: 'json' };
    status = 503;
    await expect(sendAlert(hook, alert)).rejects.toMatchObject({
      message: 'webhook "ops" answered 503',
      nonRetryable: false,
    });
    status = 400;
    await expect(sendAlert(hook, alert)).rejects.toMatchObject({
      message: 'webhook "ops" answered 400',
      nonRetryable: true,
    });
    const down: WebhookConfig = { name: 'gone', url: 'http://127.0.0.1:1/secret-path', format: 'json' };
    const err = await sendAlert(down, alert).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^webhook "gone" unreachable/);
    expect((err as Error).message).not.toContain('secret-path');
    await expect(sendAlert({ name: 'env', urlEnv: 'EDP_TEST_NO_SUCH_VAR', format: 'json' }, alert, {})).rejects.toThrow(
      'webhook "env": environment variable EDP_TEST_NO_SUCH_VAR is not set',
    );
  });

  it('shapes a Slack recovery', () => {
    expect(alertBody({ name: 's', url, format: 'slack' }, { ...alert, kind: 'recovery', detail: 'ok now' })).toEqual({
      text: ':large_green_circle: SLA recovered: platform latency: ok now',
    });
  });
});
