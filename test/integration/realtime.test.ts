import { MockActivityEnvironment } from '@temporalio/testing';
import { join } from 'node:path';
import { createRealtimeActivities, type RealtimeLag, type RealtimeRefreshResult } from '../../activities/realtime';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { realtimeSchema, type RealtimeConfig } from '../../lib/config/realtime-schema';
import { temporalClient, withWorker, readWarehouse } from '../../cli/session';
import { realtimeStart, realtimeStatus, realtimeStop } from '../../cli/realtime-commands';
import { REALTIME_WORKFLOW_ID } from '../../lib/ids';
import { realtimeRefreshLatest } from '../../workflows/realtime-refresh';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Claims history (batch) and claim events (stream), the latest status per claim, open claims per member. */
function config(lag = '2 seconds', refresh: 'full' | 'incremental' = 'incremental'): RealtimeConfig {
  return realtimeSchema.parse({
    targetLag: lag,
    tables: [
      {
        name: 'claim_status_current',
        columns: ['claim_id', 'member_id', 'status'],
        history: {
          table: 'raw.claims',
          changedAt: '_edp_loaded_at',
          rename: { status: 'claim_status' },
          recentHours: 4,
        },
        changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
        key: ['claim_id'],
        refresh,
        sql: `SELECT claim_id, member_id, status, _edp_changed_at AS changed_at FROM (
                SELECT *, row_number() OVER (PARTITION BY claim_id ORDER BY _edp_changed_at DESC) AS rn FROM {{ integration }})
              WHERE rn = 1`,
      },
    ],
    views: [
      {
        name: 'open_claims_now',
        sql: `SELECT member_id, COUNT(*) AS open_claims FROM {{ curation.claim_status_current }}
              WHERE status IN ('submitted', 'pended') GROUP BY member_id`,
      },
    ],
  });
}

/** The near-real-time layers on a real DuckDB file: views, the timed refresh (full and incremental) and the lag. */
describe('near-real-time objects on DuckDB', () => {
  let w: DuckDbWarehouse;
  const env = new MockActivityEnvironment();
  beforeEach(async () => {
    w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'realtime.duckdb') });
    for (const s of ['raw', 'staging']) await w.execute(`CREATE SCHEMA ${s}`);
    await w.execute(
      'CREATE TABLE raw.claims (claim_id VARCHAR, member_id VARCHAR, claim_status VARCHAR, _edp_loaded_at TIMESTAMPTZ)',
    );
    await w.execute(
      'CREATE TABLE staging.claim_events (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, _edp_merged_at TIMESTAMPTZ)',
    );
    await w.execute(`INSERT INTO raw.claims VALUES
      ('C1', 'M1', 'submitted', now() - INTERVAL 1 HOUR),
      ('C2', 'M1', 'submitted', now() - INTERVAL 2 HOUR),
      ('C3', 'M2', 'pended', now() - INTERVAL 30 HOUR)`); // older than the 4-hour window
    await w.execute(`INSERT INTO staging.claim_events VALUES ('C2', 'M1', 'paid', now() - INTERVAL 10 MINUTE)`);
  });
  afterEach(() => w.close());

  const curation = () =>
    w.query('SELECT claim_id, member_id, status FROM curation.claim_status_current ORDER BY claim_id');

  it('deploys the integration view, the curation table and the consumption view, on target', async () => {
    const acts = createRealtimeActivities({ warehouse: w, realtime: config() });
    expect(await env.run(acts.deployRealtime)).toEqual({
      views: ['integration.claim_status_current', 'consumption.open_claims_now'],
      tables: ['curation.claim_status_current'],
      selfRefreshing: false,
    });
    expect(
      await w.query('SELECT claim_id, status, _edp_source FROM integration.claim_status_current ORDER BY 1, 3'),
    ).toEqual([
      { claim_id: 'C1', status: 'submitted', _edp_source: 'history' },
      { claim_id: 'C2', status: 'paid', _edp_source: 'changes' },
      { claim_id: 'C2', status: 'submitted', _edp_source: 'history' },
    ]);
    expect(await curation()).toEqual([
      { claim_id: 'C1', member_id: 'M1', status: 'submitted' },
      { claim_id: 'C2', member_id: 'M1', status: 'paid' },
    ]);
    expect(await w.query('SELECT member_id, open_claims FROM consumption.open_claims_now')).toEqual([
      { member_id: 'M1', open_claims: '1' },
    ]);
    const [lag]: RealtimeLag[] = await env.run(acts.realtimeLag);
    expect(lag).toMatchObject({ table: 'claim_status_current', targetLagSeconds: 2, status: 'on target' });
    expect(lag.lagSeconds).toBeLessThan(2);
  });

  it('refreshes when half the target lag has passed, incrementally by key, to what a full refresh gives', async () => {
    const acts = createRealtimeActivities({ warehouse: w, realtime: config() });
    await env.run(acts.deployRealtime);
    const early: RealtimeRefreshResult = await env.run(acts.refreshRealtime);
    expect(early.refreshed).toEqual([]); // not due yet
    expect(early.nextInMs).toBeGreaterThanOrEqual(1000);
    expect(early.nextInMs).toBeLessThanOrEqual(1000 + 50);

    await w.execute(`INSERT INTO staging.claim_events VALUES
      ('C1', 'M1', 'pended', now()), ('C4', 'M3', 'submitted', now())`);
    await sleep(early.nextInMs + 50);
    const pass: RealtimeRefreshResult = await env.run(acts.refreshRealtime);
    expect(pass.refreshed).toEqual([
      expect.objectContaining({ table: 'claim_status_current', mode: 'incremental', rows: 2 }),
    ]);
    expect(pass.lag[0].status).toBe('on target');
    const incremental = await curation();
    expect(incremental).toEqual([
      { claim_id: 'C1', member_id: 'M1', status: 'pended' },
      { claim_id: 'C2', member_id: 'M1', status: 'paid' },
      { claim_id: 'C4', member_id: 'M3', status: 'submitted' },
    ]);

    // The same sources refreshed in full give the same table.
    const full = createRealtimeActivities({ warehouse: w, realtime: config('2 seconds', 'full') });
    await sleep(1100);
    const fullPass: RealtimeRefreshResult = await env.run(full.refreshRealtime);
    expect(fullPass.refreshed).toEqual([expect.objectContaining({ mode: 'full', rows: 3 })]);
    expect(await curation()).toEqual(incremental);
  });

  it('refreshes in full when its query changed, and at least every fullRefreshEvery (rows deleted from the changes table go)', async () => {
    const base = config('2 seconds');
    base.tables[0].fullRefreshEvery = 4;
    const acts = createRealtimeActivities({ warehouse: w, realtime: base });
    await env.run(acts.deployRealtime);
    // The changes table loses C2's row (a delete merged into staging): an incremental pass cannot see it.
    await w.execute(`DELETE FROM staging.claim_events WHERE claim_id = 'C2'`);
    await sleep(1100);
    const incremental: RealtimeRefreshResult = await env.run(acts.refreshRealtime);
    expect(incremental.refreshed).toEqual([expect.objectContaining({ mode: 'incremental', rows: 0 })]);
    expect(await curation()).toContainEqual({ claim_id: 'C2', member_id: 'M1', status: 'paid' }); // stale
    await sleep(3100);
    const full: RealtimeRefreshResult = await env.run(acts.refreshRealtime);
    expect(full.refreshed).toEqual([expect.objectContaining({ mode: 'full' })]);
    expect(await curation()).toContainEqual({ claim_id: 'C2', member_id: 'M1', status: 'submitted' });

    // A new query (another column) rebuilds the table instead of inserting into the old shape.
    const changed = config('2 seconds');
    changed.tables[0].sql = changed.tables[0].sql.replace('status,', "status, 'v2' AS version,");
    const next = createRealtimeActivities({ warehouse: w, realtime: changed });
    await sleep(1100);
    const rebuilt: RealtimeRefreshResult = await env.run(next.refreshRealtime);
    expect(rebuilt.refreshed).toEqual([expect.objectContaining({ mode: 'full' })]);
    expect(await w.query('SELECT DISTINCT version FROM curation.claim_status_current')).toEqual([{ version: 'v2' }]);
  });

  it('reports a table behind its target lag when no refresh ran', async () => {
    const acts = createRealtimeActivities({ warehouse: w, realtime: config('2 seconds') });
    await env.run(acts.deployRealtime);
    await sleep(2200);
    const [lag]: RealtimeLag[] = await env.run(acts.realtimeLag);
    expect(lag.status).toBe('behind target');
    expect(lag.lagSeconds).toBeGreaterThan(2);
  });

  it('names the config key of a query that reads an unknown placeholder, and fails without retrying', async () => {
    const bad = config();
    bad.views[0].sql = 'SELECT * FROM {{ curation.claim_status }}';
    const acts = createRealtimeActivities({ warehouse: w, realtime: bad });
    await expect(env.run(acts.deployRealtime)).rejects.toMatchObject({
      message: expect.stringContaining('realtime.views[0].sql: unknown placeholder {{ curation.claim_status }}'),
      nonRetryable: true,
    });
  });
});

/** `edp realtime start|status|stop` against the dev server, with a real worker on a DuckDB file. */
describe('near-real-time refresh through Temporal (dev server, worker, DuckDB)', () => {
  it('deploys, refreshes within the target lag, reports on target, and stops', async () => {
    const loaded = testConfig('it-realtime', { realtime: { ...config('2 seconds'), targetLag: '2 seconds' } });
    // Sources as the batch and streaming paths leave them.
    const w = await DuckDbWarehouse.open({ path: loaded.config.warehouse.duckdb.path });
    for (const s of ['raw', 'staging']) await w.execute(`CREATE SCHEMA ${s}`);
    await w.execute(
      'CREATE TABLE raw.claims (claim_id VARCHAR, member_id VARCHAR, claim_status VARCHAR, _edp_loaded_at TIMESTAMPTZ)',
    );
    await w.execute(
      'CREATE TABLE staging.claim_events (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, _edp_merged_at TIMESTAMPTZ)',
    );
    await w.execute(`INSERT INTO raw.claims VALUES ('C1', 'M1', 'submitted', now())`);
    await w.execute(`INSERT INTO staging.claim_events VALUES ('C1', 'M1', 'pended', now() + INTERVAL 1 SECOND)`);
    await w.close();

    const logs: string[] = [];
    const { client, close } = await temporalClient(loaded.config);
    try {
      await withWorker(
        loaded.config,
        async () => {
          expect(await realtimeStart(loaded.config, (m) => logs.push(m))).toBe(0);
          // Passes come every second (half the 2 s lag): wait for two that refreshed.
          const handle = client.workflow.getHandle(REALTIME_WORKFLOW_ID);
          let refreshes = 0;
          for (let i = 0; i < 100 && refreshes < 2; i++) {
            await sleep(200);
            const latest = await handle.query(realtimeRefreshLatest).catch(() => undefined);
            if (latest?.refreshed.length) refreshes++;
          }
          expect(refreshes).toBe(2);
          expect(await realtimeStatus(loaded.config)).toBe(0);
          expect(
            await readWarehouse(loaded.config, 'SELECT claim_id, status FROM curation.claim_status_current'),
          ).toEqual([{ claim_id: 'C1', status: 'pended' }]);
          expect(await realtimeStop(loaded.config, (m) => logs.push(m))).toBe(0);
        },
        () => {},
      );
    } finally {
      await client.workflow
        .getHandle(REALTIME_WORKFLOW_ID)
        .terminate('test cleanup')
        .catch(() => undefined);
      await close();
    }
    expect(logs[0]).toMatch(/^realtimeRefresh: started \(edp-realtime\), 1 curation table/);
    expect(logs).toContain('edp-realtime: cancelled');
  });
});
