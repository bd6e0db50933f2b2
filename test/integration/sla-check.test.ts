import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlaCheckResult } from '../../activities/sla';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { temporalClient, withWorker } from '../../cli/session';
import { pipelineInput } from '../../workers/workflow-inputs';
import { slaCheck } from '../../workflows';
import { maybeRecordHistory } from '../helpers/histories';
import { testConfig } from '../helpers/platform';
import { testServices } from '../setup/test-services';

/** slaCheck on the dev server with a real DuckDB file, Temporal visibility and a loopback webhook. */
describe('SLA check (dev server, DuckDB, webhook)', () => {
  let server: Server;
  const bodies: Array<{ kind: string; sla: string; detail: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text) as (typeof bodies)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens a breach once, alerts once, and sends one recovery when the SLA holds again', async () => {
    const port = (server.address() as AddressInfo).port;
    const loaded = testConfig('it-sla', {
      slas: {
        latencyMinutes: 60,
        availability: { percent: 50, windowHours: 8 },
        freshness: [{ table: 'marts.sla_probe', column: 'updated_at', maxMinutes: 30 }],
      },
      alerts: { webhooks: [{ name: 'ops', url: `http://127.0.0.1:${port}/alerts`, format: 'json' }] },
    });
    const db = loaded.config.warehouse.duckdb.path;
    const setProbe = async (sql: string) => {
      const w = await DuckDbWarehouse.open({ path: db });
      await w.execute('CREATE SCHEMA IF NOT EXISTS marts');
      await w.execute('CREATE TABLE IF NOT EXISTS marts.sla_probe (updated_at TIMESTAMPTZ)');
      await w.execute(sql);
      await w.close();
    };
    const { client, close } = await temporalClient(loaded.config);
    let n = 0;
    const check = () =>
      withWorker(
        loaded.config,
        async () => {
          const workflowId = `it-sla-check-${++n}-${Date.now()}`;
          const result = await client.workflow.execute(slaCheck, {
            workflowId,
            taskQueue: loaded.config.temporal.taskQueues.workflows,
            args: [{ steps: pipelineInput(loaded.config).steps }],
          });
          await maybeRecordHistory(client, testServices().temporalAddress, workflowId, `check-${n}`);
          return result;
        },
        () => {},
      );
    const state = (r: SlaCheckResult, sla: string) => r.states.find((s) => s.sla === sla)!;
    try {
      await setProbe('INSERT INTO marts.sla_probe VALUES (now() - INTERVAL 3 HOUR)');
      const first = await check();
      // No pipeline runs on this test's queue: latency and availability are breached, from real visibility queries.
      expect(state(first, 'latency')).toMatchObject({
        breached: true,
        detail: expect.stringContaining('had not finished'),
      });
      expect(state(first, 'availability')).toMatchObject({
        breached: true,
        detail: expect.stringMatching(/^0 of 2 intervals/),
      });
      expect(state(first, 'freshness:marts.sla_probe')).toMatchObject({
        breached: true,
        // date_diff counts minute boundaries crossed: 180 or 181.
        detail: expect.stringMatching(/^newest updated_at in marts\.sla_probe is 18[01] min old \(maximum 30 min\)$/),
      });
      expect(first.opened.sort()).toEqual(['availability', 'freshness:marts.sla_probe', 'latency']);
      expect(first.alertsSent).toBe(3);

      const second = await check();
      expect(second.opened).toEqual([]);
      expect(second.alertsSent).toBe(0); // still breached: no second alert

      await setProbe('INSERT INTO marts.sla_probe VALUES (now())');
      const third = await check();
      expect(third.closed).toEqual(['freshness:marts.sla_probe']);
      expect(third.alertsSent).toBe(1);

      expect(bodies.map((b) => `${b.kind} ${b.sla}`).sort()).toEqual([
        'breach availability',
        'breach freshness:marts.sla_probe',
        'breach latency',
        'recovery freshness:marts.sla_probe',
      ]);
      const w = await DuckDbWarehouse.open({ path: db });
      const breaches = await w.query(
        'SELECT sla, closed_at IS NOT NULL AS closed FROM audit.sla_breaches ORDER BY sla',
      );
      await w.close();
      expect(breaches).toEqual([
        { sla: 'availability', closed: false },
        { sla: 'freshness:marts.sla_probe', closed: true },
        { sla: 'latency', closed: false },
      ]);
    } finally {
      await close();
    }
  });
});
