import { join } from 'node:path';
import type { Client } from 'pg';
import { createRealtimeActivities } from '../../activities/realtime';
import { createStreamIngestActivities, measureStreams, type StreamDeps } from '../../activities/streaming';
import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import { cdcStart, cdcStop } from '../../cli/cdc-commands';
import { stopKafkaConnect } from '../../infra/kafka-connect';
import { loadConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import {
  cdcTestConfig,
  changeTopic,
  connectDir,
  connectSource,
  LATEST_CLAIM_STATUS_SQL,
  memberHistoryTopic,
  startTestConnect,
} from '../helpers/cdc';
import { loadRawRows } from '../helpers/raw-load';
import { consumeUntil, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';

/**
 * One path, end to end, on real services: INSERT/UPDATE/DELETE in PostgreSQL → Debezium in Kafka Connect →
 * Kafka → raw → staging, SCD2 history, claim status transitions → the realtime layer's fallback view.
 */
jest.setTimeout(400_000);

const NAME = `cdc_e2e_${process.pid}`;
const CONNECT = 'kafka-connect-e2e';
const MEMBERS = 'e2e_member_updates';
const CLAIMS = 'e2e_claim_events';

let pg: Client;
let w: Warehouse;
let config: EdpConfig;

/** Streaming settings that merge and report within a test's patience. */
const QUICK_STREAMING = { batchMaxRows: 500, mergeEveryMs: 200, activitySeconds: 5 };
/** Realtime settings refreshing within seconds, and serving realtime rows for two minutes after the last check. */
const QUICK_REALTIME = { targetLag: '2 seconds', lagBudget: '120 seconds' };

/** A statement's commit lies in [from, to] (epoch ms, the source's clock is this machine's). */
interface Bracket {
  from: number;
  to: number;
}

/** Runs one statement in its own transaction (on the suite's source unless `on`); when it committed. */
async function commit(sql: string, on: Client = pg): Promise<Bracket> {
  const from = Date.now();
  await on.query(sql);
  return { from: from - 1, to: Date.now() + 1 };
}

/** Rows of a query (on the suite's warehouse unless `on`) as arrays of plain values (timestamps as epoch ms, integers as numbers). */
async function rowsOf(sql: string, on: Warehouse = w): Promise<unknown[][]> {
  const plain = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(v))
      return Date.parse(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    return v;
  };
  return (await on.query(sql)).map((r) => Object.values(r).map(plain));
}

/** Matches a number inside the bracket (an asymmetric matcher, so it sits inside `toEqual` rows). */
const within = (b: Bracket) => ({
  asymmetricMatch: (v: unknown) => typeof v === 'number' && v >= b.from && v <= b.to,
  toAsymmetricMatcher: () => `a time within [${b.from}, ${b.to}]`,
});

beforeAll(async () => {
  const connectPort = await startTestConnect(CONNECT);
  pg = await connectSource(NAME);
  const draft = cdcTestConfig('it-cdc-e2e', { database: NAME, tables: ['members', 'claims'], connectPort });
  const members = changeTopic(draft, 'members');
  const claims = changeTopic(draft, 'claims');
  config = cdcTestConfig(
    'it-cdc-e2e',
    { database: NAME, tables: ['members', 'claims'], connectPort },
    {
      streaming: {
        topics: [
          memberHistoryTopic(members, MEMBERS),
          {
            topic: claims,
            table: CLAIMS,
            format: 'debezium',
            columns: {
              claim_id: 'string',
              member_id: 'string',
              billed_amount: 'decimal',
              claim_status: 'string',
              updated_at: 'timestamp',
            },
            key: ['claim_id'],
          },
        ],
        statusHistory: [
          {
            name: 'e2e_claim_status',
            key: 'claim_id',
            status: 'claim_status',
            stream: { topic: claims, changedAt: 'updated_at' },
          },
        ],
        ...QUICK_STREAMING,
      },
      realtime: {
        ...QUICK_REALTIME,
        tables: [
          {
            name: 'e2e_claim_current',
            columns: ['claim_id', 'member_id', 'status'],
            history: { table: 'raw.claims', changedAt: '_edp_loaded_at', rename: { status: 'claim_status' } },
            changes: { table: `staging.${CLAIMS}`, changedAt: '_edp_merged_at', rename: { status: 'claim_status' } },
            key: ['claim_id'],
            sql: LATEST_CLAIM_STATUS_SQL,
          },
        ],
        fallbacks: [
          {
            name: 'e2e_claim_status_served',
            key: ['claim_id'],
            streams: [claims],
            realtime: 'select claim_id, member_id, status from {{ curation.e2e_claim_current }}',
            batch: 'select claim_id, member_id, claim_status as status from raw.claims',
            batchAsOf: { table: 'raw.claims' },
          },
        ],
      },
    },
  ).config;
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'e2e.duckdb') });
});

afterAll(async () => {
  if (config) await cdcStop(config, true, () => {}).catch(() => undefined);
  await pg?.end();
  await w?.close();
  await stopKafkaConnect(connectDir(CONNECT));
});

describe('CDC end to end (real PostgreSQL, Debezium in Kafka Connect, Kafka; DuckDB)', () => {
  it('a scripted source sequence gives exact raw, staging, SCD2 history, status transitions and a REALTIME consumption view', async () => {
    // The operational tables as `edp cdc start` creates them, with rows the snapshot (op r) reads.
    await pg.query(`CREATE TABLE members (member_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, birth_date DATE,
      plan_id TEXT, coverage_start DATE, coverage_end DATE, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    await pg.query(`CREATE TABLE claims (claim_id TEXT PRIMARY KEY, member_id TEXT, provider_id TEXT, service_date DATE,
      billed_amount NUMERIC(12,2), paid_amount NUMERIC(12,2), claim_status TEXT, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    await pg.query(`INSERT INTO members (member_id, first_name, last_name, plan_id) VALUES
      ('M1', 'Ann', 'Lee', 'PLN-GOLD'), ('M2', 'Bo', 'Kim', 'PLN-GOLD')`);
    await pg.query(`INSERT INTO claims (claim_id, member_id, billed_amount, claim_status, updated_at)
      VALUES ('C1', 'M1', 100.00, 'submitted', '2026-03-01T10:00:00Z')`);
    // What batch ingest loaded earlier: C1 as submitted, and a claim the stream never touches.
    await loadRawRows(w, {
      table: 'claims',
      columns: { claim_id: 'string', member_id: 'string', billed_amount: 'decimal', claim_status: 'string' },
      required: ['claim_id'],
      rows: [
        { claim_id: 'C1', member_id: 'M1', billed_amount: '100.00', claim_status: 'submitted' },
        { claim_id: 'C9', member_id: 'M9', billed_amount: '9.00', claim_status: 'paid' },
      ],
      audit: { _edp_load_id: { value: 'load-claims', type: 'string' } },
    });

    const snapshot = { from: Date.now() - 1, to: 0 };
    expect(await cdcStart(config, true, () => {})).toBe(0);
    const deps: StreamDeps = { warehouse: w, kafka: config.kafka, streaming: config.streaming };
    const ingest = createStreamIngestActivities(deps);
    const consume = (topic: string, n: number) =>
      consumeUntil(() => ingest.consumeStream({ topic, runSeconds: 3 }), n, 180_000);
    const [membersTopic, claimsTopic] = config.streaming.topics.map((t) => t.topic);
    expect(await consume(membersTopic, 2)).toBe(2);
    expect(await consume(claimsTopic, 1)).toBe(1);
    snapshot.to = Date.now() + 1;

    const s1 = await commit(
      `INSERT INTO members (member_id, first_name, last_name, plan_id) VALUES ('M3', 'Cy', 'Park', 'PLN-SILVER')`,
    );
    const s2 = await commit(`UPDATE members SET plan_id = 'PLN-SILVER' WHERE member_id = 'M1'`);
    await commit(`UPDATE members SET updated_at = now() WHERE member_id = 'M1'`); // untracked: no version
    await commit(
      `UPDATE claims SET claim_status = 'adjudicated', updated_at = '2026-03-01T11:00:00Z' WHERE claim_id = 'C1'`,
    );
    await commit(`UPDATE claims SET claim_status = 'paid', updated_at = '2026-03-01T12:00:00Z' WHERE claim_id = 'C1'`);
    await commit(`INSERT INTO claims (claim_id, member_id, billed_amount, claim_status, updated_at)
      VALUES ('C2', 'M3', 50.00, 'submitted', '2026-03-01T11:30:00Z')`);
    const s7 = await commit(`DELETE FROM members WHERE member_id = 'M2'`);
    const s8 = await commit(
      `INSERT INTO members (member_id, first_name, last_name, plan_id) VALUES ('M2', 'Bo', 'Kim', 'PLN-BRONZE')`,
    );
    const s9 = await commit(`DELETE FROM claims WHERE claim_id = 'C2'`);

    // members: insert, two updates, delete, re-insert; claims: two updates, insert, delete (tombstones skipped).
    expect(await consume(membersTopic, 5)).toBe(5);
    expect(await consume(claimsTopic, 4)).toBe(4);

    // raw: each change once, in source order per key.
    const ops = async (table: string, key: string) =>
      Object.fromEntries(
        (await rowsOf(
          `SELECT json_extract_string(row_json, '$.${key}'), string_agg(_edp_op, '' ORDER BY kafka_partition, kafka_offset)
           FROM raw.${table} GROUP BY 1 ORDER BY 1`,
        )) as Array<[string, string]>,
      );
    expect(await ops(MEMBERS, 'member_id')).toEqual({ M1: 'ruu', M2: 'rdc', M3: 'c' });
    expect(await ops(CLAIMS, 'claim_id')).toEqual({ C1: 'ruu', C2: 'cd' });
    for (const table of [MEMBERS, CLAIMS]) {
      const [[n, distinct, dead]] = await rowsOf(
        `SELECT COUNT(*), COUNT(DISTINCT (json_extract_string(row_json, '$.${table === MEMBERS ? 'member_id' : 'claim_id'}'),
           json_extract_string(payload, '$.payload.source.lsn'))),
           (SELECT COUNT(*) FROM raw.${table}__dead_letters) FROM raw.${table}`,
      );
      expect([distinct, dead]).toEqual([n, 0]);
    }

    // staging: the source's live rows.
    expect(await rowsOf(`SELECT member_id, first_name, last_name, plan_id FROM staging.${MEMBERS} ORDER BY 1`)).toEqual(
      (
        await pg.query({
          text: 'SELECT member_id, first_name, last_name, plan_id FROM members ORDER BY 1',
          rowMode: 'array',
        })
      ).rows,
    );
    expect(
      await rowsOf(
        `SELECT claim_id, member_id, CAST(billed_amount AS DOUBLE), claim_status, updated_at FROM staging.${CLAIMS}`,
      ),
    ).toEqual([['C1', 'M1', 100, 'paid', Date.parse('2026-03-01T12:00:00Z')]]);

    // SCD2: versions per member with their source commit times; the untracked update opens none.
    const history = await rowsOf(
      `SELECT member_id, member_version, first_name, plan_id, epoch_ms(valid_from), epoch_ms(valid_to), is_current
       FROM history.${MEMBERS} ORDER BY member_id, member_version`,
    );
    expect(history).toEqual([
      ['M1', 1, 'Ann', 'PLN-GOLD', within(snapshot), within(s2), false],
      ['M1', 2, 'Ann', 'PLN-SILVER', within(s2), null, true],
      ['M2', 1, 'Bo', 'PLN-GOLD', within(snapshot), within(s7), false],
      ['M2', 2, 'Bo', 'PLN-BRONZE', within(s8), null, true],
      ['M3', 1, 'Cy', 'PLN-SILVER', within(s1), null, true],
    ]);
    expect(history[0][5]).toBe(history[1][4]); // one version ends where the next begins

    // Claim status transitions (changed_at: the source rows' updated_at), and initial/current status.
    const at = (hhmm: string) => Date.parse(`2026-03-01T${hhmm}:00Z`);
    expect(
      await rowsOf(
        `SELECT t.claim_id, old_status, new_status, changed_at, source, r._edp_op
         FROM history.e2e_claim_status_transitions t
         JOIN raw.${CLAIMS} r ON r.kafka_partition = t.kafka_partition AND r.kafka_offset = t.kafka_offset
         ORDER BY t.claim_id, changed_at`,
      ),
    ).toEqual([
      ['C1', null, 'submitted', at('10:00'), 'stream', 'r'],
      ['C1', 'submitted', 'adjudicated', at('11:00'), 'stream', 'u'],
      ['C1', 'adjudicated', 'paid', at('12:00'), 'stream', 'u'],
      ['C2', null, 'submitted', at('11:30'), 'stream', 'c'],
    ]);
    expect(
      await rowsOf(
        `SELECT claim_id, initial_status, current_status, initial_at, status_changed_at, transitions
         FROM history.e2e_claim_status ORDER BY 1`,
      ),
    ).toEqual([
      ['C1', 'submitted', 'paid', at('10:00'), at('12:00'), 2],
      ['C2', 'submitted', 'submitted', at('11:30'), at('11:30'), 0],
    ]);

    // The consumption view: realtime rows (C1 paid; C2 deleted at the source; C9 from the batch history),
    // as of the older of the curation table's refresh and the monitor's check, which found both topics
    // caught up (their positions past the connector's transaction markers too).
    const realtime = createRealtimeActivities({ warehouse: w, realtime: config.realtime, streaming: config.streaming });
    await realtime.deployRealtime();
    await realtime.refreshRealtime();
    const measured = await measureStreams({ ...deps, webhooks: [] });
    expect(measured.topics.map((x) => [x.topic, x.totalLag])).toEqual([
      [membersTopic, 0],
      [claimsTopic, 0],
    ]);
    const [[refreshedAt]] = await rowsOf(
      `SELECT epoch_ms(data_timestamp) FROM audit.realtime_state WHERE table_name = 'e2e_claim_current'`,
    );
    const asOf = Math.min(refreshedAt as number, Date.parse(measured.checkedAt));
    expect(asOf).toBeGreaterThanOrEqual(s9.to);
    expect(
      await rowsOf('SELECT *, epoch_ms(data_as_of) FROM consumption.e2e_claim_status_served ORDER BY claim_id'),
    ).toEqual([
      ['C1', 'M1', 'paid', 'REALTIME', expect.anything(), asOf],
      ['C9', 'M9', 'paid', 'REALTIME', expect.anything(), asOf],
    ]);
  });
});

/** The repository config's curation tables and view for eligibility and deductibles (edp.config.yaml). */
const BENEFITS = {
  tables: ['eligibility_current', 'accumulators_current', 'member_benefits_current'],
  view: 'member_benefits_served',
  streams: { eligibility_changes: 'eligibility', accumulator_changes: 'accumulators' } as Record<string, string>,
};

/**
 * The repository config's eligibility and accumulator path (its streaming topics, curation tables and fallback
 * view) on a source database and connector of its own, in the same Kafka Connect worker: changes of
 * eligibility and of an accumulator in PostgreSQL reach the portal's benefits view, REALTIME.
 */
describe('CDC end to end: eligibility and accumulators into the consumption view (the repository config)', () => {
  const database = `${NAME}_benefits`;
  let source: Client;
  let bw: Warehouse;
  let benefits: EdpConfig;
  let repo: EdpConfig;
  /** The columns batch ingest loads an entity with (the repository config's landing entity). */
  const batchColumns = (entity: string) => repo.landing.entities.find((e) => e.name === entity)!.columns;

  beforeAll(async () => {
    source = await connectSource(database);
    const cdcSource = { database, tables: ['eligibility', 'accumulators'], connectPort: config.cdc!.connect.port };
    const draft = cdcTestConfig('it-cdc-benefits', cdcSource);
    repo = loadConfig({ file: join(__dirname, '..', '..', 'edp.config.yaml'), env: {} }).config;
    benefits = cdcTestConfig('it-cdc-benefits', cdcSource, {
      streaming: {
        topics: repo.streaming.topics
          .filter((t) => t.table in BENEFITS.streams)
          .map((t) => ({ ...t, topic: changeTopic(draft, BENEFITS.streams[t.table]) })),
        ...QUICK_STREAMING,
      },
      realtime: {
        ...QUICK_REALTIME,
        tables: repo.realtime.tables.filter((t) => BENEFITS.tables.includes(t.name)),
        fallbacks: repo.realtime.fallbacks.filter((f) => f.name === BENEFITS.view),
      },
    }).config;
    bw = await DuckDbWarehouse.open({ path: join(tmpDir(), 'benefits.duckdb') });
  });

  afterAll(async () => {
    if (benefits) await cdcStop(benefits, true, () => {}).catch(() => undefined);
    await source?.end();
    await bw?.close();
  });

  it('an eligibility and an accumulator change in PostgreSQL show in the benefits view, REALTIME, as of the stalest layer and stream', async () => {
    expect(benefits.realtime.tables.map((t) => t.name)).toEqual(BENEFITS.tables);
    // What batch built earlier: M1's eligibility and accumulators (raw), the plans (staging) and the portal
    // summary (consumption), which also knows M9, a member the stream never touches.
    await loadRawRows(bw, {
      table: 'eligibility',
      columns: batchColumns('eligibility'),
      required: ['member_id'],
      rows: [
        {
          member_id: 'M1',
          plan_id: 'PLN-GOLD',
          coverage_start: '2026-01-01',
          coverage_end: null,
          status: 'active',
          updated_at: '2026-01-01T00:00:00Z',
        },
      ],
      audit: { _edp_load_id: { value: 'load-eligibility', type: 'string' } },
    });
    await loadRawRows(bw, {
      table: 'accumulators',
      columns: batchColumns('accumulators'),
      required: ['member_id'],
      rows: [{ member_id: 'M1', plan_year: 2026, deductible_met: '100.00', out_of_pocket_met: '150.00' }],
      audit: { _edp_load_id: { value: 'load-accumulators', type: 'string' } },
    });
    for (const s of ['staging', 'consumption']) await bw.execute(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await bw.execute(`CREATE TABLE staging.stg_plans AS SELECT 'PLN-GOLD' AS plan_id, 2026 AS plan_year,
      CAST(1000 AS DECIMAL(18, 2)) AS deductible, CAST(5000 AS DECIMAL(18, 2)) AS out_of_pocket_max`);
    const batchAsOf = Date.parse('2026-12-01T00:00:00Z');
    await bw.execute(`CREATE TABLE consumption.member_portal_summary AS SELECT 'M9' AS member_id, 'PLN-GOLD' AS plan_id,
      'ACTIVE' AS eligibility_status, 2026 AS plan_year, CAST(1000 AS DECIMAL(18, 2)) AS deductible_remaining,
      CAST(5000 AS DECIMAL(18, 2)) AS out_of_pocket_remaining, TIMESTAMPTZ '2026-12-01 00:00:00+00' AS data_loaded_at`);

    // `edp cdc start` creates the operational eligibility and accumulators tables (infra/debezium.ts).
    expect(await cdcStart(benefits, true, () => {})).toBe(0);
    await source.query(`INSERT INTO eligibility (member_id, plan_id, coverage_start, status) VALUES
      ('M1', 'PLN-GOLD', '2026-01-01', 'active'), ('M2', 'PLN-GOLD', '2099-01-01', 'pending')`);
    await source.query(
      `INSERT INTO accumulators (member_id, plan_year, deductible_met, out_of_pocket_met) VALUES ('M1', 2026, 200.00, 300.00)`,
    );
    const deps: StreamDeps = { warehouse: bw, kafka: benefits.kafka, streaming: benefits.streaming };
    const ingest = createStreamIngestActivities(deps);
    const [eligibilityTopic, accumulatorsTopic] = benefits.streaming.topics.map((t) => t.topic);
    const consume = (topic: string, n: number) =>
      consumeUntil(() => ingest.consumeStream({ topic, runSeconds: 3 }), n, 180_000);
    expect(await consume(eligibilityTopic, 2)).toBe(2);
    expect(await consume(accumulatorsTopic, 1)).toBe(1);

    const realtime = createRealtimeActivities({
      warehouse: bw,
      realtime: benefits.realtime,
      streaming: benefits.streaming,
    });
    await realtime.deployRealtime();
    const served = () =>
      rowsOf(
        `SELECT member_id, plan_id, eligibility_status, plan_year, CAST(deductible_remaining AS DOUBLE),
           CAST(out_of_pocket_remaining AS DOUBLE), data_freshness_indicator, epoch_ms(data_as_of)
         FROM consumption.${BENEFITS.view} ORDER BY member_id`,
        bw,
      );
    /** Refreshes and has the monitor check until it finds both topics caught up and the view serves `rows` (without data_as_of); when it last checked. */
    const serving = async (rows: unknown[][]): Promise<number> => {
      let checkedAt = 0;
      await waitUntil(
        `the benefits view to serve ${JSON.stringify(rows)}`,
        async () => {
          await realtime.refreshRealtime();
          const measured = await measureStreams({ ...deps, webhooks: [] });
          checkedAt = Date.parse(measured.checkedAt);
          const caughtUp = measured.topics.every((t) => t.totalLag === 0);
          return caughtUp && JSON.stringify((await served()).map((r) => r.slice(0, 7))) === JSON.stringify(rows);
        },
        60_000,
      );
      return checkedAt;
    };
    const m9 = ['M9', 'PLN-GOLD', 'ACTIVE', 2026, 1000, 5000, 'BATCH'];
    await serving([
      ['M1', 'PLN-GOLD', 'ACTIVE', 2026, 800, 4700, 'REALTIME'],
      ['M2', 'PLN-GOLD', 'PENDING', 2026, 1000, 5000, 'REALTIME'],
      m9,
    ]);

    // M1's coverage ends and a claim moves its accumulators.
    const changed = await commit(
      `UPDATE eligibility SET coverage_end = '2026-06-30', status = 'terminated', updated_at = now() WHERE member_id = 'M1'`,
      source,
    );
    await source.query(
      `UPDATE accumulators SET deductible_met = 450.00, out_of_pocket_met = 900.00, updated_at = now() WHERE member_id = 'M1'`,
    );
    expect(await consume(eligibilityTopic, 1)).toBe(1);
    expect(await consume(accumulatorsTopic, 1)).toBe(1);
    const checkedAt = await serving([
      ['M1', 'PLN-GOLD', 'TERMINATED', 2026, 550, 4100, 'REALTIME'],
      ['M2', 'PLN-GOLD', 'PENDING', 2026, 1000, 5000, 'REALTIME'],
      m9,
    ]);

    // The second layer's data is as old as the older of the two tables it reads; the view's "as of" is
    // the older of that and the monitor's last check, and includes the change.
    const dataAt = Object.fromEntries(
      (await rowsOf(`SELECT table_name, epoch_ms(data_timestamp) FROM audit.realtime_state`, bw)) as Array<
        [string, number]
      >,
    );
    expect(dataAt.member_benefits_current).toBe(Math.min(dataAt.eligibility_current, dataAt.accumulators_current));
    const asOf = Math.min(dataAt.member_benefits_current, checkedAt);
    expect(asOf).toBeGreaterThanOrEqual(changed.to);
    expect((await served()).map((r) => [r[0], r[6], r[7]])).toEqual([
      ['M1', 'REALTIME', asOf],
      ['M2', 'REALTIME', asOf],
      ['M9', 'BATCH', batchAsOf],
    ]);
  });
});
