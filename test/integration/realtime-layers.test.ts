import {
  createRealtimeActivities,
  curationOrder,
  integrationSelect,
  integrationView,
  hasIntegration,
  lagOf,
  type RealtimeDeps,
} from '../../activities/realtime';
import { refreshCurationTable } from '../../activities/realtime/refresh-curation-table';
import { isSelfRefreshing, lastRefreshes, refreshStates } from '../../activities/realtime/realtime-refresh-state';
import type { Warehouse } from '../../activities/warehouse';
import { realtimeSchema, type RealtimeConfig } from '../../lib/config/realtime-schema';
import { LATEST_CLAIM_STATUS_SQL } from '../helpers/cdc';
import { describeEngines, only, type TestEngine } from '../helpers/engines';

/**
 * Three layers of curation tables on each engine: the latest status per claim (over batch history and
 * stream changes) → open claims per member → the portal's totals. An update at the bottom reaches the top
 * in the refresh that the top's target lag calls for, and a layer behind its target lag opens a breach.
 */
jest.setTimeout(180_000);

/** Bottom and middle keep a minute; the top wants 2 s, so its refreshes pull the layers below along. */
function chain(): RealtimeConfig {
  return realtimeSchema.parse({
    targetLag: '60 seconds',
    tables: [
      {
        name: 'open_claims_totals',
        targetLag: '2 seconds',
        sql: `select count(*) as members, sum(open_claims) as open_claims from {{ curation.open_claims_per_member }}`,
      },
      {
        name: 'open_claims_per_member',
        sql: `select member_id, count(*) as open_claims from {{ curation.claims_latest }}
              where status in ('submitted', 'adjudicated') group by member_id`,
      },
      {
        name: 'claims_latest',
        columns: ['claim_id', 'member_id', 'status'],
        history: { table: 'raw.claims', changedAt: '_edp_loaded_at', rename: { status: 'claim_status' } },
        changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
        key: ['claim_id'],
        sql: LATEST_CLAIM_STATUS_SQL,
      },
    ],
  });
}

/** Rows as arrays of plain values (numbers as numbers), whatever the engine's column names and drivers. */
async function rowsOf(w: Warehouse, sql: string): Promise<unknown[][]> {
  const plain = (v: unknown) => (typeof v === 'bigint' || (typeof v === 'string' && /^\d+$/.test(v)) ? Number(v) : v);
  return (await w.query(sql)).map((r) => Object.values(r).map(plain));
}

/** When each layer's data was read from the sources (ms), bottom to top. */
async function dataTimes(w: Warehouse): Promise<number[]> {
  const times = await lastRefreshes(w);
  return ['claims_latest', 'open_claims_per_member', 'open_claims_totals'].map((t) => times.get(t)!);
}

/** A warehouse on `engine` with claims as batch ingest and the stream leave them, opened before the block's tests. */
function claimsWarehouse(engine: TestEngine, label: string): { w: Warehouse } {
  const opened = {} as { w: Warehouse };
  beforeAll(async () => {
    const w = (opened.w = await engine.open(label));
    for (const s of ['raw', 'staging']) await w.execute(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await w.execute(
      'CREATE TABLE raw.claims (claim_id VARCHAR, member_id VARCHAR, claim_status VARCHAR, _edp_loaded_at TIMESTAMPTZ)',
    );
    await w.execute(
      'CREATE TABLE staging.claim_events (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, _edp_merged_at TIMESTAMPTZ)',
    );
    const now = w.dialect.now();
    await w.execute(`INSERT INTO raw.claims VALUES ('C1', 'M1', 'submitted', ${now}), ('C2', 'M1', 'submitted', ${now}),
        ('C3', 'M2', 'paid', ${now})`);
  });
  afterAll(() => opened.w?.close());
  return opened;
}

/**
 * Deploys and runs refresh passes as the realtime workflow does. The local Snowflake server has no
 * dynamic tables, so there each pass refreshes the whole chain in dependency order with the platform's
 * refresh (on real Snowflake the dynamic tables chain themselves; their DDL is a unit test).
 */
function layers(w: Warehouse, config: RealtimeConfig): { deploy(): Promise<unknown>; pass(): Promise<unknown> } {
  const deps: RealtimeDeps = { warehouse: w, realtime: config };
  if (!isSelfRefreshing(w)) {
    const acts = createRealtimeActivities(deps);
    return { deploy: acts.deployRealtime, pass: acts.refreshRealtime };
  }
  const pass = async () => {
    const last = await refreshStates(w);
    for (const o of curationOrder(config)) await refreshCurationTable(w, o.table, o.index, last.get(o.table.name));
    return lagOf(deps, await lastRefreshes(w), Date.now());
  };
  const deploy = async () => {
    for (const s of ['integration', 'curation']) await w.execute(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    for (const t of config.tables.filter(hasIntegration))
      await w.execute(
        `CREATE OR REPLACE VIEW ${w.dialect.table(integrationView(t))} AS ${integrationSelect(w.dialect, t)}`,
      );
    return pass();
  };
  return { deploy, pass };
}

describeEngines(
  'curation tables reading curation tables, three layers (%s)',
  (engine) => {
    const opened = claimsWarehouse(engine, 'realtime_layers');
    it('carries an update at the bottom to the top in one pass of the top, each layer dated by the sources it read', async () => {
      const w = opened.w;
      const rt = layers(w, chain());
      await rt.deploy();
      expect(await rowsOf(w, 'SELECT members, open_claims FROM curation.open_claims_totals')).toEqual([[1, 2]]);

      // A change streams in: C2 is paid, M2 gets a new open claim.
      const changedAt = Date.now();
      await w.execute(`INSERT INTO staging.claim_events VALUES ('C2', 'M1', 'paid', ${w.dialect.now()}),
        ('C4', 'M2', 'submitted', ${w.dialect.now()})`);
      // The top is due after half its 2 s; the layers below, at a minute, are not due on their own.
      for (let i = 0; i < 100; i++) {
        const [, , top] = await dataTimes(w);
        if (Date.now() - top >= 1000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const result = await rt.pass();
      expect(await rowsOf(w, 'SELECT members, open_claims FROM curation.open_claims_totals')).toEqual([[2, 2]]);
      const [bottom, middle, top] = await dataTimes(w);
      // Every layer read the change; the top's data is as old as the bottom's read of the sources.
      expect(bottom).toBeGreaterThanOrEqual(changedAt);
      expect([middle, top]).toEqual([bottom, bottom]);
      if (!isSelfRefreshing(w)) {
        const { refreshed, lag } = result as { refreshed: Array<{ table: string }>; lag: unknown[] };
        expect(refreshed.map((r) => r.table)).toEqual([
          'claims_latest',
          'open_claims_per_member',
          'open_claims_totals',
        ]);
        expect(lag).toEqual([
          expect.objectContaining({ table: 'open_claims_totals', layer: 3, targetLagSeconds: 2, status: 'on target' }),
          expect.objectContaining({
            table: 'open_claims_per_member',
            layer: 2,
            targetLagSeconds: 60,
            status: 'on target',
          }),
          expect.objectContaining({ table: 'claims_latest', layer: 1, targetLagSeconds: 60, status: 'on target' }),
        ]);
      }
    });
  },
  (e) => e.name !== 'snowflake-real',
);

// The breach comes from the platform's refresh pass, which judges every layer's lag (DuckDB; Snowflake
// judges its dynamic tables itself).
describeEngines(
  'target lag of a layer through the SLA recorder (%s)',
  (engine) => {
    const opened = claimsWarehouse(engine, 'realtime_layers_breach');
    it('opens a target-lag breach of the top layer when a layer below cannot refresh, and closes it when it can', async () => {
      const w = opened.w;
      const rt = layers(w, chain());
      await rt.deploy();
      const breaches = () =>
        rowsOf(
          w,
          `SELECT sla, closed_at IS NULL FROM audit.sla_breaches WHERE pipeline = 'realtime' ORDER BY opened_at`,
        );
      expect(await breaches()).toEqual([]);
      // The bottom's source goes away: its refresh fails, so nothing above it can be fresher.
      await w.execute('ALTER TABLE staging.claim_events RENAME TO claim_events_away');
      for (let i = 0; i < 100; i++) {
        const [, , top] = await dataTimes(w);
        if (Date.now() - top > 2000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await expect(rt.pass()).rejects.toThrow();
      expect(await breaches()).toEqual([['target-lag:open_claims_totals', true]]);
      await w.execute('ALTER TABLE staging.claim_events_away RENAME TO claim_events');
      await rt.pass();
      expect(await breaches()).toEqual([['target-lag:open_claims_totals', false]]);
    });
  },
  only('duckdb'),
);
