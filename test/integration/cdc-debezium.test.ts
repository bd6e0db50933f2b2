import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Client } from 'pg';
import { createStreamIngestActivities, type StreamDeps } from '../../activities/streaming';
import { classifiedActivities } from '../../activities/errors';
import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import { cdcSetup, cdcStart, cdcStatus, cdcStop } from '../../cli/cdc-commands';
import { cdcTopic } from '../../infra/debezium';
import { kafkaConnectPid, startKafkaConnect, stopKafkaConnect } from '../../infra/kafka-connect';
import type { StreamTopicConfig } from '../../lib/config/schema';
import type { EdpConfig } from '../../workers/config-schema';
import { cdcTestConfig, connectDir, connectSource, startTestConnect } from '../helpers/cdc';
import { testKafka, testStreaming, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

/**
 * Real CDC: PostgreSQL (wal_level logical) → Debezium 3.6 in Kafka Connect → Kafka → raw/staging, with
 * the streaming ingest activities on DuckDB. Kafka Connect starts here, not in global setup: only the
 * cdc suites pay for it.
 */
jest.setTimeout(300_000);

const NAME = `cdc_it_${process.pid}`;
const CONNECT_DIR = connectDir();

const MEMBERS: StreamTopicConfig['columns'] = {
  member_id: 'string',
  first_name: 'string',
  last_name: 'string',
  birth_date: 'date',
  plan_id: 'string',
  coverage_start: 'date',
  updated_at: 'timestamp',
};
const CLAIMS: StreamTopicConfig['columns'] = {
  claim_id: 'string',
  member_id: 'string',
  service_date: 'date',
  billed_amount: 'decimal',
  paid_amount: 'decimal',
  claim_status: 'string',
  updated_at: 'timestamp',
};
const TYPES: StreamTopicConfig['columns'] = {
  id: 'integer',
  ts: 'timestamp',
  tstz: 'timestamp',
  d: 'date',
  t: 'string',
  n: 'decimal',
  v: 'decimal',
  big: 'integer',
};

let config: EdpConfig;
let pg: Client;
let w: Warehouse;
let connectPort: number;
const topics: Record<string, StreamTopicConfig> = {};

const sql = (text: string, values: unknown[] = []) => pg.query(text, values);

function deps(extra: Record<string, StreamTopicConfig> = {}): StreamDeps {
  return {
    warehouse: w,
    kafka: testKafka(),
    streaming: testStreaming(Object.values({ ...topics, ...extra })),
  };
}

/** Consumes a topic until raw + dead letters hold `n` rows, or 90 s pass. */
async function consumeTo(table: string, n: number, d = deps()): Promise<void> {
  const acts = createStreamIngestActivities(d);
  const t = Object.values(d.streaming.topics).find((x) => x.table === table)!;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await acts.consumeStream({ topic: t.topic, runSeconds: 3 });
    if ((await rawCount(table)) + (await deadCount(table)) >= n) return;
  }
}

const count = async (q: string): Promise<number> => Number((await w.query<{ n: number }>(q))[0]?.n ?? 0);
const rawCount = (table: string) => count(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM raw.${table}`).catch(() => 0);
const deadCount = (table: string) =>
  count(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM raw.${table}__dead_letters`).catch(() => 0);

/** The ops each key went through in raw, in Kafka order. */
async function opsByKey(table: string, key: string): Promise<Record<string, string>> {
  const rows = await w.query<{ k: string; ops: string }>(
    `SELECT json_extract_string(row_json, '$.${key}') AS k, string_agg(_edp_op, '' ORDER BY kafka_partition, kafka_offset) AS ops
     FROM raw.${table} GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.ops]));
}

/** The decoded row of each key's latest raw event, as JSON values. */
async function latestRows(table: string, key: string): Promise<Record<string, Record<string, unknown>>> {
  const rows = await w.query<{ k: string; j: string; op: string }>(
    `SELECT k, j, op FROM (SELECT json_extract_string(row_json, '$.${key}') AS k, row_json AS j, _edp_op AS op,
       row_number() OVER (PARTITION BY json_extract_string(row_json, '$.${key}') ORDER BY kafka_partition DESC, kafka_offset DESC) AS rn
       FROM raw.${table}) WHERE rn = 1 AND op <> 'd' ORDER BY k`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, JSON.parse(r.j) as Record<string, unknown>]));
}

/** Each table's rows as Postgres holds them, in the decoder's text forms (ISO UTC with µs, dates, exact decimals). */
async function sourceRows(table: 'members' | 'claims' | 'cdc_types'): Promise<Record<string, Record<string, unknown>>> {
  const utc = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const q = {
    members: `SELECT member_id AS k, json_build_object('member_id', member_id, 'first_name', first_name, 'last_name', last_name,
      'birth_date', birth_date::text, 'plan_id', plan_id, 'coverage_start', coverage_start::text, 'coverage_end', coverage_end::text, 'updated_at', ${utc('updated_at')}) AS j FROM members`,
    claims: `SELECT claim_id AS k, json_build_object('claim_id', claim_id, 'member_id', member_id, 'provider_id', provider_id, 'service_date', service_date::text,
      'billed_amount', billed_amount::text, 'paid_amount', paid_amount::text, 'claim_status', claim_status, 'updated_at', ${utc('updated_at')}) AS j FROM claims`,
    cdc_types: `SELECT id::text AS k, json_build_object('id', id, 'ts', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'tstz', ${utc('tstz')}, 'd', d::text, 't', to_char(t, 'HH24:MI:SS.US'), 'n', n::text, 'v', v::text, 'big', big) AS j FROM cdc_types`,
  }[table];
  const r = await pg.query<{ k: string; j: Record<string, unknown> }>(q);
  return Object.fromEntries(r.rows.map((x) => [x.k, x.j]));
}

beforeAll(async () => {
  connectPort = await startTestConnect();
  pg = await connectSource(NAME);
  const loaded = cdcTestConfig('it-cdc-debezium', {
    database: NAME,
    tables: ['members', 'claims', 'cdc_types'],
    connectPort,
  });
  config = loaded.config;
  const c = config.cdc!;
  topics.members = {
    topic: cdcTopic(c, 'members'),
    table: 'cdc_members',
    format: 'debezium',
    columns: MEMBERS,
    key: ['member_id'],
  };
  topics.claims = {
    topic: cdcTopic(c, 'claims'),
    table: 'cdc_claims',
    format: 'debezium',
    columns: CLAIMS,
    key: ['claim_id'],
  };
  topics.types = {
    topic: cdcTopic(c, 'cdc_types'),
    table: 'cdc_types',
    format: 'debezium',
    columns: TYPES,
    key: ['id'],
  };
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'cdc.duckdb') });
  // The source before the connector: these rows arrive through the snapshot (op r).
  await sql(
    `CREATE TABLE cdc_types (id INT PRIMARY KEY, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, t TIME, n NUMERIC(14,4), v NUMERIC, big BIGINT)`,
  );
  await sql(`CREATE TABLE members (member_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, birth_date DATE, plan_id TEXT,
    coverage_start DATE, coverage_end DATE, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  await sql(`INSERT INTO members VALUES
    ('M1', 'Ada', 'Byron', '1815-12-10', 'PLN-GOLD', '2026-01-01', NULL, '2026-01-01T00:00:00.000001Z'),
    ('M2', 'Alan', 'Turing', '1912-06-23', 'PLN-SILVER', '2026-01-01', NULL, '2026-01-02T03:04:05.678901+05:30')`);
});

afterAll(async () => {
  if (config) await cdcStop(config, true, () => {}).catch(() => undefined);
  await pg?.end();
  await w?.close();
  await stopKafkaConnect(CONNECT_DIR);
});

describe('CDC with Debezium (real PostgreSQL, Kafka Connect, Kafka; DuckDB)', () => {
  it('edp cdc start: snapshot (op r) then streaming; INSERT/UPDATE/DELETE/re-insert reach raw and staging exactly as in PostgreSQL', async () => {
    const lines: string[] = [];
    expect(await cdcStart(config, true, (m) => lines.push(m))).toBe(0);
    expect(lines.join('\n')).toMatch(/RUNNING/);
    await waitUntil(
      'the snapshot in raw',
      async () => {
        await consumeTo('cdc_members', 2);
        return (await rawCount('cdc_members')) >= 2;
      },
      120_000,
    );

    await sql(
      `INSERT INTO members VALUES ('M3', 'Grace', 'Hopper', '1906-12-09', 'PLN-BRONZE', '2026-02-01', NULL, '2026-02-01T10:00:00.5Z')`,
    );
    await sql(
      `UPDATE members SET plan_id = 'PLN-SILVER', updated_at = '2026-02-02T11:12:13.141516Z' WHERE member_id = 'M1'`,
    );
    await sql(`DELETE FROM members WHERE member_id = 'M2'`);
    await sql(
      `INSERT INTO members VALUES ('M2', 'Alan', 'Turing', '1912-06-23', 'PLN-GOLD', '2026-03-01', NULL, '2026-03-01T00:00:00.999999Z')`,
    );
    await sql(
      `INSERT INTO claims VALUES ('C1', 'M1', 'P1', '2026-02-03', 100.10, NULL, 'submitted', '2026-02-03T09:00:00.000100Z')`,
    );
    await sql(
      `UPDATE claims SET claim_status = 'adjudicated', paid_amount = 99.99, updated_at = '2026-02-04T09:00:00.000200Z' WHERE claim_id = 'C1'`,
    );
    await sql(
      `UPDATE claims SET claim_status = 'paid', paid_amount = -0.01, updated_at = '2026-02-05T09:00:00.000300Z' WHERE claim_id = 'C1'`,
    );
    await sql(`INSERT INTO cdc_types VALUES
      (1, '2026-03-04 05:06:07.123456', '2026-03-04T05:06:07.654321+02:00', '1969-12-31', '23:59:59.999999', 12345.6789, '-0.000123456789', 9223372036854775807),
      (2, '1960-01-01 00:00:00.000001', '1999-12-31T23:59:59.999999-08:00', '0001-01-01', '00:00:00', -0.0001, '123456789012345678901234567890.5', -9007199254740993)`);

    // members: 2 snapshot rows + insert + update + delete + re-insert (the delete's tombstone is skipped).
    await consumeTo('cdc_members', 6);
    await consumeTo('cdc_claims', 3);
    await consumeTo('cdc_types', 2);
    expect(await opsByKey('cdc_members', 'member_id')).toEqual({ M1: 'ru', M2: 'rdc', M3: 'c' });
    expect(await opsByKey('cdc_claims', 'claim_id')).toEqual({ C1: 'cuu' });
    for (const t of ['cdc_members', 'cdc_claims', 'cdc_types']) expect(await deadCount(t)).toBe(0);

    expect(await latestRows('cdc_members', 'member_id')).toEqual(await sourceRows('members'));
    expect(await latestRows('cdc_claims', 'claim_id')).toEqual(await sourceRows('claims'));
    expect(await latestRows('cdc_types', 'id')).toEqual(await sourceRows('cdc_types'));
    // bigint beyond 2^53 (read above through JSON.parse on both sides): digit for digit in raw and staging.
    const bigs = await w.query<{ id: string; raw: string; staged: string }>(
      `SELECT CAST(s.id AS VARCHAR) AS id, json_extract_string(r.row_json, '$.big') AS raw, CAST(s.big AS VARCHAR) AS staged
       FROM staging.cdc_types s JOIN raw.cdc_types r ON r.kafka_partition = s._edp_kafka_partition AND r.kafka_offset = s._edp_kafka_offset
       ORDER BY s.id`,
    );
    const sourceBigs = await pg.query<{ big: string }>(`SELECT big::text AS big FROM cdc_types ORDER BY id`);
    expect(sourceBigs.rows.map((r) => r.big)).toEqual(['9223372036854775807', '-9007199254740993']);
    expect(bigs).toEqual(sourceBigs.rows.map((r, i) => ({ id: String(i + 1), raw: r.big, staged: r.big })));

    // Staging: one typed row per live key, the delete applied and the re-insert back.
    const staging = await w.query<{ member_id: string; plan_id: string; birth_date: string; us: string }>(
      `SELECT member_id, plan_id, CAST(birth_date AS VARCHAR) AS birth_date, CAST(epoch_us(updated_at) AS VARCHAR) AS us
       FROM staging.cdc_members ORDER BY member_id`,
    );
    const src = await pg.query<{ member_id: string; plan_id: string; birth_date: string; us: string }>(
      `SELECT member_id, plan_id, birth_date::text AS birth_date, (EXTRACT(EPOCH FROM updated_at) * 1000000)::bigint::text AS us
       FROM members ORDER BY member_id`,
    );
    expect(staging).toEqual(src.rows);
    const [claim] = await w.query<{ s: string; paid: string; billed: string }>(
      `SELECT claim_status AS s, CAST(paid_amount AS VARCHAR) AS paid, CAST(billed_amount AS VARCHAR) AS billed FROM staging.cdc_claims`,
    );
    expect(claim.s).toBe('paid');
    expect(Number(claim.paid)).toBe(-0.01);
    expect(Number(claim.billed)).toBe(100.1);

    const status: string[] = [];
    expect(await cdcStatus(config, (m) => status.push(m))).toBe(0);
    expect(status.join('\n')).toMatch(/RUNNING[\s\S]*\(active\)/);
  });

  it('bad input: an unknown table and a malformed envelope are dead-lettered and the stream goes on; an added column is applied; a changed type stops its table', async () => {
    const kafka = new Kafka({ brokers: testKafka().brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const [claimMessage] = await w.query<{ payload: string }>(`SELECT payload FROM raw.cdc_claims LIMIT 1`);
    await producer.send({
      topic: topics.members.topic,
      messages: [
        { key: 'C1', value: claimMessage.payload }, // a change of public.claims on the members topic
        { key: 'M9', value: '{"schema":null,"payload":{"before":null,"after":{"member_id":"M9"},"op":"x"}}' },
      ],
    });
    await producer.disconnect();
    const before = await rawCount('cdc_members');
    await sql(
      `UPDATE members SET first_name = 'Augusta Ada', updated_at = '2026-04-01T00:00:00.000001Z' WHERE member_id = 'M1'`,
    );
    await consumeTo('cdc_members', before + 3);
    const dead = await w.query<{ reason: string }>(
      `SELECT reason FROM raw.cdc_members__dead_letters ORDER BY kafka_offset`,
    );
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/a change for table public\.claims, which topic .*members does not stream/),
      expect.stringMatching(/op must be c, u, d or r, got "x"/),
    ]);
    expect((await latestRows('cdc_members', 'member_id')).M1.first_name).toBe('Augusta Ada');

    // Added nullable column: raw keeps it at once; declared, staging gains it (evolveTable).
    await sql(`ALTER TABLE members ADD COLUMN nickname TEXT`);
    await sql(
      `UPDATE members SET nickname = 'Countess', updated_at = '2026-04-02T00:00:00.000001Z' WHERE member_id = 'M1'`,
    );
    const withNickname = { ...topics.members, columns: { ...MEMBERS, nickname: 'string' as const } };
    const n = await rawCount('cdc_members');
    await consumeTo('cdc_members', n + 3, deps({ members: withNickname }));
    expect((await latestRows('cdc_members', 'member_id')).M1.nickname).toBe('Countess');
    const [nick] = await w.query<{ nickname: string }>(
      `SELECT nickname FROM staging.cdc_members WHERE member_id = 'M1'`,
    );
    expect(nick.nickname).toBe('Countess');

    // Changed type: claims.service_date becomes a timestamp; the claims stream stops, non-retryable, nothing written.
    await sql(`ALTER TABLE claims ALTER COLUMN service_date TYPE TIMESTAMP USING service_date::timestamp`);
    await sql(
      `UPDATE claims SET claim_status = 'reopened', updated_at = '2026-04-03T00:00:00.000001Z' WHERE claim_id = 'C1'`,
    );
    const claimsBefore = await rawCount('cdc_claims');
    const acts = classifiedActivities(createStreamIngestActivities(deps()));
    let failure: unknown;
    const deadline = Date.now() + 60_000;
    while (!failure && Date.now() < deadline) {
      failure = await acts.consumeStream({ topic: topics.claims.topic, runSeconds: 3 }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(failure).toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(/source column public\.claims\.service_date is now timestamp .*is date/),
    });
    expect(await rawCount('cdc_claims')).toBe(claimsBefore);
    // The members stream is not affected.
    await sql(
      `UPDATE members SET plan_id = 'PLN-GOLD', updated_at = '2026-04-04T00:00:00.000001Z' WHERE member_id = 'M3'`,
    );
    const m = await rawCount('cdc_members');
    await consumeTo('cdc_members', m + 3, deps({ members: withNickname }));
    expect((await latestRows('cdc_members', 'member_id')).M3.plan_id).toBe('PLN-GOLD');
  });

  it('kill -9 of Kafka Connect mid-stream: after its restart raw holds every change once by source LSN, none lost', async () => {
    const keys = 50;
    const updates = 1500;
    await sql(`INSERT INTO cdc_types (id, n) SELECT g, 0 FROM generate_series(100, ${99 + keys}) g`);
    const start = await rawCount('cdc_types');
    const writer = (async () => {
      for (let i = 1; i <= updates; i++) {
        await sql(`UPDATE cdc_types SET n = $1 WHERE id = $2`, [i, 100 + (i % keys)]);
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitUntil(
      'changes flowing through Debezium',
      async () => {
        await createStreamIngestActivities(deps()).consumeStream({ topic: topics.types.topic, runSeconds: 1 });
        return (await rawCount('cdc_types')) > start + 200;
      },
      120_000,
    );
    const pid = kafkaConnectPid(CONNECT_DIR)!;
    process.kill(pid, 'SIGKILL');
    await waitUntil('the worker to die', () => Promise.resolve(kafkaConnectPid(CONNECT_DIR) === undefined), 10_000);
    await writer;
    await startKafkaConnect({
      dir: CONNECT_DIR,
      bootstrap: testServices().kafkaBroker,
      port: connectPort,
      heap: '384m',
    });
    const expected = start + keys + updates;
    await consumeTo('cdc_types', expected);
    const [r] = await w.query<{ n: number; lsns: number; u: number }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS n,
         CAST(COUNT(DISTINCT json_extract_string(payload, '$.payload.source.lsn')) AS INTEGER) AS lsns,
         CAST(COUNT(*) FILTER (WHERE _edp_op = 'u' AND CAST(json_extract_string(row_json, '$.id') AS INTEGER) >= 100) AS INTEGER) AS u
       FROM raw.cdc_types`,
    );
    expect(r).toEqual({ n: expected, lsns: expected, u: updates });
    // Every update's value arrived: for each key, the n values seen are exactly the ones written.
    const [sum] = await w.query<{ s: string }>(
      `SELECT CAST(SUM(CAST(json_extract_string(row_json, '$.n') AS DECIMAL(18,4))) AS VARCHAR) AS s
       FROM raw.cdc_types WHERE _edp_op = 'u' AND CAST(json_extract_string(row_json, '$.id') AS INTEGER) >= 100`,
    );
    expect(Number(sum.s)).toBe((updates * (updates + 1)) / 2);
    const setup = cdcSetup(config);
    expect(setup.cdc.slot).toBe(`${NAME}_slot`);
  });
});
