import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlaCheckResult } from '../../activities/sla';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { startDeclaredRun } from '../../cli/declared-run';
import { temporalClient, withWorker } from '../../cli/session';
import { makeInterval } from '../../lib/intervals';
import { pipelineInput } from '../../workers/workflow-inputs';
import { slaCheck } from '../../workflows';
import { maybeRecordHistory } from '../helpers/histories';
import { testConfig } from '../helpers/platform';
import { testServices } from '../setup/test-services';

/** slaCheck on the dev server with a real DuckDB file, Temporal visibility and a loopback webhook. */
describe('SLA check (dev server, DuckDB, webhook)', () => {
  let server: Server;
  const bodies: Array<{ kind: string; sla: string; detail: string; pipeline: string }> = [];
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

  it("judges a declared pipeline's latency on its own runs only: one breach and one alert under its name", async () => {
    const port = (server.address() as AddressInfo).port;
    const steps = [{ name: 'touch', kind: 'sql', sql: 'CREATE SCHEMA IF NOT EXISTS marts' }];
    // Two pipelines on the same every-minute grid with the same SLA; schedules paused, runs started by the test.
    const declared = (name: string) => ({
      name,
      schedule: { every: '1m', paused: true },
      sla: { latencyMinutes: 5 },
      steps,
    });
    const loaded = testConfig('it-sla-pipes', {
      pipelines: [declared('it_sla_late'), declared('it_sla_prompt')],
      alerts: { webhooks: [{ name: 'ops', url: `http://127.0.0.1:${port}/alerts`, format: 'json' }] },
    });
    const alertsBefore = bodies.length;
    // The judged interval is the latest whose deadline (end + 5 min) has passed. Pick the one whose deadline is the
    // next minute boundary at least 45 s away: the prompt pipeline's run of it finishes before that deadline.
    const deadline = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
    const interval = makeInterval(new Date(deadline - 6 * 60_000), new Date(deadline - 5 * 60_000));
    const { client, close } = await temporalClient(loaded.config);
    try {
      const result = await withWorker(
        loaded.config,
        async () => {
          const prompt = await startDeclaredRun(client, loaded.config, 'it_sla_prompt', interval);
          expect((await prompt.result()).status).toBe('succeeded');
          const closedAt = (await prompt.describe()).closeTime!.getTime();
          expect(closedAt).toBeLessThanOrEqual(deadline);
          // The check must run once the deadline has passed: that is when the interval is the one judged.
          while (Date.now() <= deadline)
            await new Promise((r) => setTimeout(r, Math.min(1_000, deadline + 1 - Date.now())));
          return client.workflow.execute(slaCheck, {
            workflowId: `it-sla-pipes-check-${Date.now()}`,
            taskQueue: loaded.config.temporal.taskQueues.workflows,
            args: [{ steps: pipelineInput(loaded.config).steps }],
          });
        },
        () => {},
      );
      const judged = `interval ${interval.start.replace(':00.000Z', 'Z')}`;
      // Checked within the minute after the deadline (a later check would judge the next interval).
      expect(Date.parse(result.checkedAt)).toBeLessThan(deadline + 60_000);
      expect(result.states).toEqual([]); // no global SLA
      expect(result.pipelines).toEqual([
        {
          // The prompt pipeline's run of the same interval does not count for the late one.
          pipeline: 'it_sla_late',
          states: [
            {
              sla: 'latency',
              breached: true,
              detail: expect.stringMatching(
                new RegExp(`^${judged} had not finished [56] min after its end \\(allowed 5 min\\)$`),
              ),
            },
          ],
          opened: ['latency'],
          closed: [],
        },
        {
          pipeline: 'it_sla_prompt',
          states: [
            {
              sla: 'latency',
              breached: false,
              detail: expect.stringMatching(
                new RegExp(`^${judged} finished [0-5] min after its end \\(allowed 5 min\\)$`),
              ),
            },
          ],
          opened: [],
          closed: [],
        },
      ]);
      expect(result.alertsSent).toBe(1);
      expect(bodies.slice(alertsBefore).map((b) => `${b.kind} ${b.pipeline} ${b.sla}`)).toEqual([
        'breach it_sla_late latency',
      ]);
      const w = await DuckDbWarehouse.open({ path: loaded.config.warehouse.duckdb.path });
      const breaches = await w.query(
        'SELECT pipeline, sla, closed_at IS NOT NULL AS closed FROM audit.sla_breaches ORDER BY pipeline, sla',
      );
      await w.close();
      expect(breaches).toEqual([{ pipeline: 'it_sla_late', sla: 'latency', closed: false }]);
    } finally {
      await close();
    }
  }, 240_000);
});
