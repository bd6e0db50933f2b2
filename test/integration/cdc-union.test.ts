import { join } from 'node:path';
import {
  createRealtimeActivities,
  curationTable,
  fallbackViews,
  integrationSelect,
  integrationView,
  type RealtimeDeps,
} from '../../activities/realtime';
import { refreshCurationTable } from '../../activities/realtime/refresh-curation-table';
import { isSelfRefreshing } from '../../activities/realtime/realtime-refresh-state';
import { createStreamIngestActivities, measureStreams, type StreamDeps } from '../../activities/streaming';
import type { Warehouse } from '../../activities/warehouse';
import type { LandingColumnType, StreamTopicConfig } from '../../lib/config/schema';
import { realtimeSchema, type RealtimeConfig } from '../../lib/config/realtime-schema';
import { LATEST_CLAIM_STATUS_SQL, produceDebezium } from '../helpers/cdc';
import { buildInOrder } from '../helpers/dbt-build';
import { describeEngines } from '../helpers/engines';
import { consumeUntil, testKafka, testStreaming, waitUntil } from '../helpers/streams';
import { loadRawRows } from '../helpers/raw-load';

const MODELS = join(__dirname, '..', '..', 'models');
/** Apart from earlier runs' topics on a broker whose data outlived them. */
const RUN = Date.now().toString(36);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Row = Record<string, string | number | null>;

/** What batch ingest loads, per raw table: its typed columns and rows (a landing file or an operational extract). */
const BATCH: Record<string, { columns: Record<string, LandingColumnType>; rows: Row[] }> = {
  members: {
    columns: {
      member_id: 'string',
      first_name: 'string',
      last_name: 'string',
      birth_date: 'date',
      plan_id: 'string',
      coverage_start: 'date',
      coverage_end: 'date',
    },
    rows: [
      ['M1', 'Ann', 'Lee', '1980-02-03', 'PLN-GOLD'],
      ['M2', 'Bo', 'Kim', '1975-06-07', 'PLN-GOLD'],
      ['M3', 'Cy', 'Park', '1990-10-11', 'PLN-SILVER'],
    ].map(([member_id, first_name, last_name, birth_date, plan_id]) => ({
      member_id,
      first_name,
      last_name,
      birth_date,
      plan_id,
      coverage_start: '2026-01-01',
      coverage_end: null,
    })),
  },
  providers: {
    columns: { provider_id: 'string', provider_name: 'string', specialty: 'string', network_status: 'string' },
    rows: [{ provider_id: 'PR1', provider_name: 'Clinic', specialty: 'GP', network_status: 'in_network' }],
  },
  claims: {
    columns: {
      claim_id: 'string',
      member_id: 'string',
      provider_id: 'string',
      service_date: 'date',
      billed_amount: 'decimal',
      paid_amount: 'decimal',
      claim_status: 'string',
    },
    rows: [
      ['C1', 'M1', '100.00', 'submitted'],
      ['C2', 'M2', '50.00', 'adjudicated'],
      ['C3', 'M3', '70.00', 'paid'],
      ['C4', 'M3', '30.00', 'submitted'],
    ].map(([claim_id, member_id, billed_amount, claim_status]) => ({
      claim_id,
      member_id,
      provider_id: 'PR1',
      service_date: '2026-02-01',
      billed_amount,
      paid_amount: '0.00',
      claim_status,
    })),
  },
  claim_lines: {
    columns: {
      claim_id: 'string',
      line_number: 'integer',
      procedure_code: 'string',
      billed_amount: 'decimal',
      allowed_amount: 'decimal',
      paid_amount: 'decimal',
    },
    rows: [
      {
        claim_id: 'C1',
        line_number: 1,
        procedure_code: '99213',
        billed_amount: '100.00',
        allowed_amount: '80.00',
        paid_amount: '0.00',
      },
    ],
  },
  eligibility: {
    columns: {
      member_id: 'string',
      plan_id: 'string',
      coverage_start: 'date',
      coverage_end: 'date',
      status: 'string',
      updated_at: 'timestamp',
    },
    rows: [
      {
        member_id: 'M3',
        plan_id: 'PLN-SILVER',
        coverage_start: '2026-01-01',
        coverage_end: null,
        status: 'active',
        updated_at: '2026-01-01T00:00:00Z',
      },
    ],
  },
  accumulators: {
    columns: {
      member_id: 'string',
      plan_year: 'integer',
      deductible_met: 'decimal',
      out_of_pocket_met: 'decimal',
      as_of: 'date',
    },
    rows: [
      { member_id: 'M1', plan_year: 2026, deductible_met: '100.00', out_of_pocket_met: '100.00', as_of: '2026-02-01' },
    ],
  },
  operational_plans: {
    columns: {
      plan_id: 'string',
      plan_name: 'string',
      deductible: 'decimal',
      out_of_pocket_max: 'decimal',
      plan_year: 'integer',
    },
    rows: [
      { plan_id: 'PLN-GOLD', plan_name: 'Gold', deductible: '500.00', out_of_pocket_max: '2000.00', plan_year: 2026 },
      {
        plan_id: 'PLN-SILVER',
        plan_name: 'Silver',
        deductible: '1000.00',
        out_of_pocket_max: '4000.00',
        plan_year: 2026,
      },
    ],
  },
  operational_claim_status_events: {
    columns: { event_id: 'string', claim_id: 'string', status: 'string', amount: 'decimal', updated_at: 'timestamp' },
    rows: [
      ['E1', 'C1', 'submitted', '2026-02-01T10:00:00Z'],
      ['E2', 'C2', 'submitted', '2026-02-01T11:00:00Z'],
      ['E3', 'C2', 'adjudicated', '2026-02-02T11:00:00Z'],
    ].map(([event_id, claim_id, status, updated_at]) => ({ event_id, claim_id, status, amount: '10.00', updated_at })),
  },
};

/** Loads every raw table as batch ingest does (the engine's bulk load, with the landing audit columns). */
async function loadBatch(w: Warehouse): Promise<void> {
  for (const [table, { columns, rows }] of Object.entries(BATCH)) {
    await loadRawRows(w, {
      table,
      columns,
      required: [Object.keys(columns)[0]],
      rows,
      audit: {
        _edp_load_id: { value: `load-${table}`, type: 'string' },
        _edp_interval_start: { value: '2026-03-01T00:00:00Z', type: 'timestamp' },
      },
    });
  }
}

const withoutKeys = <T>(o: Record<string, T>, keys: string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** The streamed tables of one run: Debezium CDC of members, claim events and claim status events. */
function topicsOf(name: string): {
  members: StreamTopicConfig;
  claims: StreamTopicConfig;
  statuses: StreamTopicConfig;
} {
  const prefix = name.replace(/-/g, '_');
  return {
    members: {
      topic: `${name}.members`,
      table: `${prefix}_member_updates`,
      format: 'debezium',
      // The source table's columns, as Debezium captures them, without those the member file alone has.
      columns: {
        ...withoutKeys(BATCH.members.columns, ['birth_date', 'coverage_start', 'coverage_end']),
        updated_at: 'timestamp',
      },
      key: ['member_id'],
    },
    claims: {
      topic: `${name}.claims`,
      table: `${prefix}_claim_events`,
      format: 'debezium',
      columns: { event_id: 'string', claim_id: 'string', member_id: 'string', status: 'string', amount: 'decimal' },
      key: ['claim_id'],
    },
    statuses: {
      topic: `${name}.claim-status`,
      table: `${prefix}_claim_status_events`,
      format: 'debezium',
      columns: { event_id: 'string', claim_id: 'string', status: 'string', amount: 'decimal', updated_at: 'timestamp' },
      key: ['event_id'],
    },
  };
}

/** Produces Debezium change events (JSON converter without schemas) for `topic`'s table, committed at `atMs`. */
const produceChanges = (
  topic: StreamTopicConfig,
  changes: Array<{ op: 'c' | 'u' | 'd'; row: Row }>,
  atMs: number,
): Promise<void> =>
  produceDebezium(
    topic.topic,
    topic.table,
    changes.map((c, i) => ({ ...c, lsn: atMs + i, tsMs: atMs + i })),
  );

/** Builds the platform project; the nodes and tests that errored or failed. */
async function buildProject(w: Warehouse, engine: string, vars: Record<string, unknown>, invocationId: string) {
  const { results } = await buildInOrder(w, MODELS, { type: engine }, invocationId, { vars });
  return Object.values(results).filter((x) => x.status === 'error' || x.status === 'fail');
}

/** Rows of a query as arrays of plain values (numbers as numbers, timestamps as epoch ms). */
async function rowsOf(w: Warehouse, sql: string): Promise<unknown[][]> {
  const plain = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(v))
      return Date.parse(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    return v;
  };
  return (await w.query(sql)).map((r) => Object.values(r).map(plain));
}

const openClaims = (w: Warehouse) =>
  rowsOf(
    w,
    `select member_id, plan_id, open_claims, submitted_claims, adjudicated_claims, open_billed_amount
     from marts.mart_open_claims order by member_id`,
  );
const eligibility = (w: Warehouse) =>
  rowsOf(
    w,
    `select member_id, plan_id, coverage_source, eligibility_status from marts.mart_eligibility_status order by member_id`,
  );
const portal = (w: Warehouse) =>
  rowsOf(w, `select member_id, plan_id, claims, open_claims from consumption.member_portal_summary order by member_id`);

/** The marts the batch rows alone give. */
const BATCH_OPEN_CLAIMS = [
  ['M1', 'PLN-GOLD', 1, 1, 0, 100],
  ['M2', 'PLN-GOLD', 1, 0, 1, 50],
  ['M3', 'PLN-SILVER', 1, 1, 0, 30],
];
const BATCH_ELIGIBILITY = [
  ['M1', 'PLN-GOLD', 'members', 'ACTIVE'],
  ['M2', 'PLN-GOLD', 'members', 'ACTIVE'],
  ['M3', 'PLN-SILVER', 'eligibility', 'ACTIVE'],
];
const BATCH_PORTAL = [
  ['M1', 'PLN-GOLD', 1, 1],
  ['M2', 'PLN-GOLD', 1, 1],
  ['M3', 'PLN-SILVER', 2, 1],
];

/** What claim_status_served shows (without data_as_of) while the realtime path is fresh, C4 as `c4`. */
const realtimeStatuses = (c4: string) => [
  ['C1', 'M1', 'adjudicated', 'REALTIME'],
  ['C2', 'M2', 'adjudicated', 'REALTIME'],
  ['C3', 'M3', 'paid', 'REALTIME'],
  ['C4', 'M3', c4, 'REALTIME'],
];

/** The realtime layer over the claims stream: latest status per claim, and two fallback views. */
function realtimeConfig(claims: StreamTopicConfig, budget: string): RealtimeConfig {
  return realtimeSchema.parse({
    targetLag: '2 seconds',
    lagBudget: budget,
    tables: [
      {
        name: 'claim_status_current',
        columns: ['claim_id', 'member_id', 'status'],
        history: { table: 'raw.claims', changedAt: '_edp_loaded_at', rename: { status: 'claim_status' } },
        changes: { table: `staging.${claims.table}`, changedAt: '_edp_merged_at' },
        key: ['claim_id'],
        sql: LATEST_CLAIM_STATUS_SQL,
      },
    ],
    fallbacks: [
      {
        name: 'claim_status_served',
        key: ['claim_id'],
        streams: [claims.topic],
        realtime: 'select claim_id, member_id, status from {{ curation.claim_status_current }}',
        batch: 'select claim_id, member_id, claim_status as status from marts.fct_claims',
        batchAsOf: { table: 'raw.claims' },
      },
      {
        name: 'member_portal_served',
        key: ['member_id'],
        streams: [claims.table],
        realtime: `select p.member_id, coalesce(o.open_claims, 0) as open_claims
          from consumption.member_portal_summary p
          left join (select member_id, count(*) as open_claims from {{ curation.claim_status_current }}
                     where status in ('submitted', 'adjudicated') group by member_id) o on o.member_id = p.member_id`,
        batch: 'select member_id, open_claims from consumption.member_portal_summary',
        batchAsOf: { table: 'consumption.member_portal_summary', column: 'data_loaded_at' },
      },
    ],
  });
}

describeEngines('Batch and stream as one source on %s (real Kafka broker)', (engine) => {
  it('marts read streamed updates and deletes after the next transform; fallback views serve batch while the stream is behind', async () => {
    const name = `cdc-union-${engine.name}-${RUN}`;
    const topics = topicsOf(name);
    const vars = {
      as_of_date: '2026-06-01',
      stream_tables: {
        members: topics.members.table,
        claims: topics.claims.table,
        claim_status_events: topics.statuses.table,
      },
    };
    const w = await engine.open('cdc_union');
    try {
      await loadBatch(w);

      // No stream table yet: the marts are those of the batch rows alone.
      expect(await buildProject(w, engine.engine, vars, `${name}-1`)).toEqual([]);
      expect(await openClaims(w)).toEqual(BATCH_OPEN_CLAIMS);
      expect(await eligibility(w)).toEqual(BATCH_ELIGIBILITY);
      expect(await portal(w)).toEqual(BATCH_PORTAL);

      // Streamed after the batch load: M1 changes plan and name, M2 is deleted, claim C1 is adjudicated,
      // a status event is added for C1 and the batch's E1 deleted at the source.
      const streamDeps: StreamDeps = {
        warehouse: w,
        kafka: testKafka(),
        streaming: testStreaming([topics.members, topics.claims, topics.statuses]),
      };
      const ingest = createStreamIngestActivities(streamDeps);
      const at = Date.now();
      const m1 = {
        member_id: 'M1',
        first_name: 'Ann',
        last_name: 'Lee-Ng',
        plan_id: 'PLN-SILVER',
        updated_at: new Date(at).toISOString(),
      };
      await produceChanges(
        topics.members,
        [
          { op: 'u', row: m1 },
          {
            op: 'd',
            row: {
              member_id: 'M2',
              first_name: 'Bo',
              last_name: 'Kim',
              plan_id: 'PLN-GOLD',
              updated_at: new Date(at).toISOString(),
            },
          },
        ],
        at,
      );
      await produceChanges(
        topics.claims,
        [
          {
            op: 'c',
            row: { event_id: 'X1', claim_id: 'C1', member_id: 'M1', status: 'adjudicated', amount: '100.00' },
          },
        ],
        at,
      );
      const event = (id: string, status: string, updated: string) => ({
        event_id: id,
        claim_id: 'C1',
        status,
        amount: '10.00',
        updated_at: updated,
      });
      await produceChanges(
        topics.statuses,
        [
          { op: 'c', row: event('E4', 'adjudicated', '2026-02-03T09:00:00Z') },
          { op: 'd', row: event('E1', 'submitted', '2026-02-01T10:00:00Z') },
        ],
        at,
      );
      for (const [t, n] of [
        [topics.members, 2],
        [topics.claims, 1],
        [topics.statuses, 2],
      ] as const) {
        expect(await consumeUntil(() => ingest.consumeStream({ topic: t.topic, runSeconds: 3 }), n)).toBe(n);
      }

      expect(await buildProject(w, engine.engine, vars, `${name}-2`)).toEqual([]);
      expect(
        await rowsOf(
          w,
          'select member_id, first_name, last_name, birth_date, plan_id from staging.stg_members order by 1',
        ),
      ).toEqual([
        ['M1', 'Ann', 'Lee-Ng', Date.parse('1980-02-03'), 'PLN-SILVER'],
        ['M3', 'Cy', 'Park', Date.parse('1990-10-11'), 'PLN-SILVER'],
      ]);
      expect(await openClaims(w)).toEqual([
        ['M1', 'PLN-SILVER', 1, 0, 1, 100],
        ['M3', 'PLN-SILVER', 1, 1, 0, 30],
      ]);
      expect(await eligibility(w)).toEqual([
        ['M1', 'PLN-SILVER', 'members', 'ACTIVE'],
        ['M3', 'PLN-SILVER', 'eligibility', 'ACTIVE'],
      ]);
      expect(await portal(w)).toEqual([
        ['M1', 'PLN-SILVER', 1, 1],
        ['M3', 'PLN-SILVER', 2, 1],
      ]);
      expect(await rowsOf(w, 'select event_id, status from staging.stg_claim_status_events order by 1')).toEqual([
        ['E2', 'submitted'],
        ['E3', 'adjudicated'],
        ['E4', 'adjudicated'],
      ]);

      // The realtime layer and its fallback views. Where the engine refreshes curation tables itself
      // (Snowflake's dynamic tables, which the local server lacks) the table is built and its refresh
      // recorded by the platform's own refresh instead; the fallback views are the engine's real views.
      const config = realtimeConfig(topics.claims, '30 seconds');
      const realtime: RealtimeDeps = { warehouse: w, realtime: config, streaming: streamDeps.streaming };
      const acts = createRealtimeActivities(realtime);
      const refresh = async () => {
        if (!isSelfRefreshing(w)) return void (await acts.refreshRealtime());
        await refreshCurationTable(w, config.tables[0], 0, undefined);
      };
      if (isSelfRefreshing(w)) {
        for (const schema of ['integration', 'curation', 'consumption'])
          await w.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        const t = config.tables[0];
        await w.execute(
          `CREATE OR REPLACE VIEW ${w.dialect.table(integrationView(t))} AS ${integrationSelect(w.dialect, t)}`,
        );
        await refresh();
        for (const v of fallbackViews(w.dialect, config, streamDeps.streaming.topics))
          await w.execute(`CREATE OR REPLACE VIEW ${w.dialect.table(v.ref)} AS ${v.select}`);
      } else {
        await acts.deployRealtime();
      }
      expect(await w.describeTable(curationTable(config.tables[0]))).toBeDefined();
      const monitor = () => measureStreams({ ...streamDeps, webhooks: [] });
      const served = (view: string) =>
        rowsOf(w, `select * from consumption.${view} order by 1`) as Promise<Array<[string, ...unknown[]]>>;
      const [[batchLoadedAt]] = (await rowsOf(w, 'select max(_edp_loaded_at) from raw.claims')) as number[][];

      /** Refreshes, has the monitor check, and expects every claim realtime, as of a moment in the budget. */
      const expectRealtime = async (c4: string) => {
        await refresh();
        const checked = Date.now();
        await monitor();
        const rows = await served('claim_status_served');
        expect(rows.map((r) => r.slice(0, 4))).toEqual(realtimeStatuses(c4));
        expect(rows[0][4] as number).toBeGreaterThan(checked - 30_000);
        expect(rows[0][4] as number).toBeLessThanOrEqual(Date.now());
      };

      // Caught up: every row realtime, as of the stalest of the curation refresh and the monitor's check.
      await expectRealtime('submitted');
      expect((await served('member_portal_served')).map((r) => r.slice(0, 3))).toEqual([
        ['M1', 1, 'REALTIME'],
        ['M3', 1, 'REALTIME'],
      ]);

      // The consumer stops: C4 is paid at the source, the monitor sees the lag, and once the newest
      // message the warehouse holds is older than the budget the views serve batch rows, as of the batch load.
      await produceChanges(
        topics.claims,
        [{ op: 'c', row: { event_id: 'X2', claim_id: 'C4', member_id: 'M3', status: 'paid', amount: '30.00' } }],
        Date.now(),
      );
      await monitor();
      await waitUntil('the claims stream to fall behind its budget', async () => {
        await refresh();
        const [row] = await served('claim_status_served');
        return row[3] === 'BATCH';
      });
      const behind = await served('claim_status_served');
      // The marts were built with the stream's changes of the last transform (C1 adjudicated).
      expect(behind).toEqual([
        ['C1', 'M1', 'adjudicated', 'BATCH', batchLoadedAt],
        ['C2', 'M2', 'adjudicated', 'BATCH', batchLoadedAt],
        ['C3', 'M3', 'paid', 'BATCH', batchLoadedAt],
        ['C4', 'M3', 'submitted', 'BATCH', batchLoadedAt],
      ]);
      const [[portalLoadedAt]] = (await rowsOf(
        w,
        'select max(data_loaded_at) from consumption.member_portal_summary',
      )) as number[][];
      expect(await served('member_portal_served')).toEqual([
        ['M1', 1, 'BATCH', portalLoadedAt],
        ['M3', 1, 'BATCH', portalLoadedAt],
      ]);

      // It catches up: realtime again, with C4 paid.
      expect(await consumeUntil(() => ingest.consumeStream({ topic: topics.claims.topic, runSeconds: 3 }), 1)).toBe(1);
      await sleep(1000);
      await expectRealtime('paid');
      expect((await served('member_portal_served')).map((r) => r.slice(0, 3))).toEqual([
        ['M1', 1, 'REALTIME'],
        ['M3', 0, 'REALTIME'],
      ]);
    } finally {
      await w.close();
    }
  }, 900_000);
});
