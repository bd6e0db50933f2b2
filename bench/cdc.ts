/**
 * Benchmark: source commit → visible in a consumption view through real CDC (PostgreSQL logical
 * decoding → Debezium in Kafka Connect → Kafka → consumeStream → raw → staging → curation table →
 * consumption view), at a steady rate of single-row UPDATE transactions. Every update touches its own
 * row (snapshotted beforehand), so each one's staging row records when that change was merged, and the
 * first realtime pass after which the view shows it records when it became visible. Per hop: WAL
 * commit → Kafka (the record's Kafka timestamp − source.ts_ms), Kafka → raw (ingest time − Kafka
 * timestamp), raw → staging (merge time − ingest time), staging → curation → view (end of the refresh
 * pass whose view first shows it − merge time), and end to end. The curation table refreshes
 * incrementally as `refreshRealtime` does on DuckDB, every half target lag. Starts its own PostgreSQL,
 * broker and Kafka Connect on free loopback ports, and a DuckDB file.
 *
 * Run by hand: npx tsx bench/cdc.ts [--rate 1000] [--seconds 60] [--merge-ms 200] [--target-lag 1]
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { deployRealtime, refreshRealtime, type RealtimeDeps } from '../activities/realtime';
import { createStreamIngestActivities } from '../activities/streaming';
import { DuckDbWarehouse } from '../activities/warehouse';
import { createChangeTopics } from '../cli/cdc-commands';
import { cdcTopic, connectorConfig, connectorState, prepareCdcSource, registerConnector } from '../infra/debezium';
import { startKafka, stopKafka } from '../infra/kafka';
import { startKafkaConnect, stopKafkaConnect } from '../infra/kafka-connect';
import { ensureDatabase, removePostgres, startPostgres } from '../infra/postgres';
import { freePort, waitUntil } from '../infra/process';
import { cdcSchema } from '../lib/config/cdc-schema';
import { realtimeSchema } from '../lib/config/realtime-schema';
import type { StreamTopicConfig } from '../lib/config/schema';
import { machine } from './figures';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    'merge-ms': { type: 'string', default: '200' },
    'target-lag': { type: 'string', default: '1' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const dir = join(__dirname, '..', '.edp', 'bench', 'cdc');
const loads = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Updates `total` rows, one transaction each, at `rate` per second; returns the achieved rate. */
async function updateAtRate(pg: Client, total: number): Promise<number> {
  const start = Date.now();
  for (let i = 1; i <= total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await pg.query('UPDATE bench_claims SET claim_status = $1, updated_at = clock_timestamp() WHERE claim_id = $2', [
      'paid',
      i,
    ]);
  }
  return total / ((Date.now() - start) / 1000);
}

/** Stops what an earlier run left (a crash skips the clean-up), so a new run does not meet a running server on its files. */
async function stopServices(): Promise<void> {
  await stopKafkaConnect(join(dir, 'connect'));
  await stopKafka(join(dir, 'kafka'));
  await removePostgres(join(dir, 'postgres'));
}

async function main(): Promise<void> {
  await stopServices();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = (m: string): void => console.log(`  ${m}`);
  const [pgPort, kafkaPort, controllerPort, connectPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  console.log(`machine: ${machine()}; load averages ${loads()}`);
  await startPostgres({ dir: join(dir, 'postgres'), host: '127.0.0.1', port: pgPort, log });
  await startKafka({ dir: join(dir, 'kafka'), host: '127.0.0.1', port: kafkaPort, controllerPort, heap: '512m', log });
  const bootstrap = `127.0.0.1:${kafkaPort}`;
  await startKafkaConnect({ dir: join(dir, 'connect'), bootstrap, port: connectPort, log });
  const connection = { host: '127.0.0.1', port: pgPort, user: 'edp', database: 'bench' };
  await ensureDatabase(connection, 'bench');
  const pg = new Client(connection);
  await pg.connect();
  const total = Math.round(rate * seconds);
  await pg.query(`CREATE TABLE bench_claims (claim_id INT PRIMARY KEY, claim_status TEXT, amount NUMERIC(12,2),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);
  await pg.query(`INSERT INTO bench_claims SELECT g, 'submitted', g / 100.0 FROM generate_series(1, ${total}) g`);
  const cdc = cdcSchema.parse({
    source: 'bench',
    tables: ['bench_claims'],
    topicPrefix: 'bench',
    connect: { port: connectPort },
  });
  await prepareCdcSource(connection, cdc);
  await createChangeTopics({ brokers: [bootstrap], clientId: 'edp-bench' }, cdc);
  await registerConnector(connectPort, cdc.connector, connectorConfig(cdc, { ...connection, sslmode: 'disable' }));
  await waitUntil(
    async () => (await connectorState(connectPort, cdc.connector))?.tasks[0]?.state === 'RUNNING',
    'the connector',
    120_000,
  );
  const t: StreamTopicConfig = {
    topic: cdcTopic(cdc, 'bench_claims'),
    table: 'bench_claims',
    format: 'debezium',
    columns: { claim_id: 'integer', claim_status: 'string', amount: 'decimal', updated_at: 'timestamp' },
    key: ['claim_id'],
  };
  const w = await DuckDbWarehouse.open({ path: join(dir, 'bench.duckdb') });
  const acts = createStreamIngestActivities({
    warehouse: w,
    kafka: { brokers: [bootstrap], clientId: 'edp-bench' },
    streaming: {
      topics: [t],
      batchMaxRows: 10_000,
      mergeEveryMs: Number(values['merge-ms']),
      activitySeconds: 3600,
      monitor: { everySeconds: 15, windowSeconds: 300 },
    },
  });
  // As streamingIngest does, a consumer that fails retryably (a rebalance on a loaded machine) starts again.
  let env = new MockActivityEnvironment();
  let done = false;
  const consuming = (async () => {
    while (!done) {
      env = new MockActivityEnvironment();
      await env
        .run((input: { topic: string }) => acts.consumeStream(input), { topic: t.topic })
        .catch((err: { nonRetryable?: boolean; message?: string }) => {
          if (err.nonRetryable) throw err;
          console.log(`  consumer restarted after: ${err.message}`);
        });
    }
  })();
  const rows = async (op: string): Promise<number> =>
    Number(
      (
        await w
          .query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM raw.bench_claims WHERE _edp_op = '${op}'`)
          .catch(() => [{ n: 0 }])
      )[0].n,
    );
  process.stdout.write(`snapshot of ${total.toLocaleString('en-US')} rows… `);
  await waitUntil(async () => (await rows('r')) >= total, 'the snapshot in raw', 600_000);
  console.log('done');
  const showing = await startRealtime(w, total);
  console.log(`updating ${total.toLocaleString('en-US')} rows at ${rate}/s for ${seconds}s (load averages ${loads()})`);
  const achieved = await updateAtRate(pg, total);
  await waitUntil(async () => (await showing.visible()) >= total, 'every update in the consumption view', 300_000);
  done = true;
  env.cancel();
  await consuming;
  await showing.stop();
  const hops = await w.query<Record<string, number>>(`
    WITH u AS (
      SELECT CAST(json_extract_string(r.row_json, '$.claim_id') AS INTEGER) AS id,
             CAST(json_extract_string(r.payload, '$.payload.source.ts_ms') AS BIGINT) AS commit_ms,
             epoch_ms(r.kafka_timestamp) AS kafka_ms, epoch_ms(r._edp_ingested_at) AS raw_ms
      FROM raw.bench_claims r WHERE r._edp_op = 'u')
    SELECT h, quantile_cont(ms, 0.5) AS p50, quantile_cont(ms, 0.95) AS p95, quantile_cont(ms, 0.99) AS p99, max(ms) AS max
    FROM (SELECT 'WAL commit → Kafka' AS h, 1 AS o, kafka_ms - commit_ms AS ms FROM u
          UNION ALL SELECT 'Kafka → raw', 2, raw_ms - kafka_ms FROM u
          UNION ALL SELECT 'raw → staging', 3, epoch_ms(s._edp_merged_at) - raw_ms FROM u JOIN staging.bench_claims s ON s.claim_id = u.id
          UNION ALL SELECT 'staging → curation → view', 4, v.visible_ms - epoch_ms(s._edp_merged_at)
            FROM u JOIN staging.bench_claims s ON s.claim_id = u.id JOIN bench_visible v ON v.claim_id = u.id
          UNION ALL SELECT 'commit → staging', 5, epoch_ms(s._edp_merged_at) - commit_ms FROM u JOIN staging.bench_claims s ON s.claim_id = u.id
          UNION ALL SELECT 'commit → view', 6, v.visible_ms - commit_ms FROM u JOIN bench_visible v ON v.claim_id = u.id)
    GROUP BY h, o ORDER BY o`);
  console.log(`achieved ${achieved.toFixed(0)} updates/s; latency in ms (load averages ${loads()}):`);
  console.table(
    hops.map((h) => ({
      hop: h.h,
      p50: Math.round(h.p50),
      p95: Math.round(h.p95),
      p99: Math.round(h.p99),
      max: Math.round(h.max),
    })),
  );
  await pg.end();
  await w.close();
  await stopServices();
}

/**
 * Deploys a curation table over staging and a consumption view over it, then refreshes it as
 * `refreshRealtime` does on DuckDB (every half target lag) until stopped. After each pass, the updates
 * the view shows for the first time are recorded in `bench_visible` with the pass's end: when they
 * became visible to a reader of the view.
 */
async function startRealtime(
  w: DuckDbWarehouse,
  total: number,
): Promise<{ visible: () => Promise<number>; stop: () => Promise<void> }> {
  await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
  // The batch side of the integration view, empty here: every row comes from the stream.
  await w.execute(
    'CREATE TABLE IF NOT EXISTS raw.bench_claims_batch (claim_id INTEGER, claim_status VARCHAR, _edp_loaded_at TIMESTAMPTZ)',
  );
  await w.execute('CREATE TABLE bench_visible (claim_id INTEGER, visible_ms BIGINT)');
  const deps: RealtimeDeps = {
    warehouse: w,
    realtime: realtimeSchema.parse({
      targetLag: Number(values['target-lag']),
      tables: [
        {
          name: 'bench_claim_status',
          columns: ['claim_id', 'claim_status'],
          history: { table: 'raw.bench_claims_batch', changedAt: '_edp_loaded_at' },
          changes: { table: 'staging.bench_claims', changedAt: '_edp_merged_at' },
          key: ['claim_id'],
          refresh: 'incremental',
          // A merge stamps its rows with its transaction's start: a few seconds cover any commit delay.
          overlap: 5,
          sql: `select claim_id, claim_status, _edp_changed_at as changed_at
            from (select *, row_number() over (partition by claim_id order by _edp_changed_at desc) as rn from {{ integration }})
            where rn = 1`,
        },
      ],
      views: [
        { name: 'bench_claims_now', sql: 'select claim_id, claim_status from {{ curation.bench_claim_status }}' },
      ],
    }),
  };
  await deployRealtime(deps);
  let stopped = false;
  const passes = (async () => {
    while (!stopped) {
      const pass = await refreshRealtime(deps);
      const end = Date.now();
      await w.execute(
        `INSERT INTO bench_visible SELECT v.claim_id, ${end} FROM consumption.bench_claims_now v
         WHERE v.claim_status = 'paid' AND NOT EXISTS (SELECT 1 FROM bench_visible b WHERE b.claim_id = v.claim_id)`,
      );
      await new Promise((r) => setTimeout(r, Math.max(0, pass.nextInMs - (Date.now() - end))));
    }
  })();
  const visible = async (): Promise<number> =>
    Math.min(
      total,
      Number((await w.query<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM bench_visible'))[0].n),
    );
  return {
    visible,
    stop: async () => {
      stopped = true;
      await passes;
    },
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
