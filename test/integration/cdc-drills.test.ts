import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client as Source } from 'pg';
import type { Client } from '@temporalio/client';
import { readWarehouse } from '../../cli/session';
import { cdcStart, cdcStop } from '../../cli/cdc-commands';
import { kafkaPid, startKafka, stopKafka, type KafkaBrokerOptions } from '../../infra/kafka';
import { kafkaConnectPid, stopKafkaConnect } from '../../infra/kafka-connect';
import { pidAlive } from '../../infra/process';
import type { StreamTopicConfig } from '../../lib/config/schema';
import type { EdpConfig } from '../../workers/config-schema';
import { pipelineInput } from '../../workers/workflow-inputs';
import { streamingIngest } from '../../workflows';
import {
  cdcTestConfig,
  changeTopic,
  connectDir,
  connectSource,
  startOwnBroker,
  startTestConnect,
} from '../helpers/cdc';
import { testClient } from '../helpers/platform';
import { waitUntil } from '../helpers/streams';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';

/**
 * Kill drills during CDC on real services: PostgreSQL → Debezium in Kafka Connect → a broker of the
 * suite's own → `edp worker` (a process of its own) running the streaming workflow on DuckDB. While a
 * stream of updates flows, the worker and then the broker are killed -9 and restarted; afterwards raw
 * holds each change once by source LSN and the SCD2 history equals the one the source's change
 * sequence gives. Then Kafka Connect is killed -9 while claim statuses change: the SCD2 history and
 * the status history equal the source's sequence of statuses per claim.
 */
jest.setTimeout(900_000);

const NAME = `cdc_drill_${process.pid}`;
const CONNECT = 'kafka-connect-drill';
const TABLE = 'drill_member_updates';
const CLAIM_TABLE = 'drill_claim_events';
const KEYS = 20;
const UPDATES = 2000;
const CLAIMS = 10;
const CLAIM_UPDATES = 1000;
/** The statuses a claim cycles through: each update changes it, so each is a version and a transition. */
const CYCLE = ['submitted', 'adjudicated', 'paid'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: Source;
let broker: KafkaBrokerOptions;
let config: EdpConfig;
let configFile: string;
let worker: ChildProcess | undefined;
let connectPort: number;
let connectBootstrap: string;

/** One number out of the worker's warehouse (0 while the tables do not exist yet). */
async function scalar(sql: string): Promise<number> {
  try {
    const [row] = await readWarehouse(config, sql);
    return Number(Object.values(row)[0]);
  } catch {
    return 0;
  }
}

const rawRows = () => scalar(`SELECT count(*) FROM raw.${TABLE}`);

/** A change topic of `key`, one `tracked` column whose changes open SCD2 versions, and `updated_at`. */
const trackedTopic = (topic: string, table: string, key: string, tracked: string): StreamTopicConfig => ({
  topic,
  table,
  format: 'debezium',
  columns: { [key]: 'string', [tracked]: 'string', updated_at: 'timestamp' },
  key: [key],
  history: { track: [tracked] },
});

/** Starts the streaming workflow of the config's `index`th topic. */
function startStream(client: Client, index: number) {
  return client.workflow.start(streamingIngest, {
    workflowId: `${config.temporal.taskQueues.workflows}-stream-${index}`,
    taskQueue: config.temporal.taskQueues.workflows,
    args: [
      {
        topic: config.streaming.topics[index].topic,
        steps: pipelineInput(config).steps,
        activitySeconds: config.streaming.activitySeconds,
      },
    ],
  });
}

/** Kills a process -9 and waits until it is gone. */
async function killHard(pid: number, what: string): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitUntil(`${what} to die`, () => Promise.resolve(!pidAlive(pid)), 10_000);
}

beforeAll(async () => {
  const own = await startOwnBroker();
  broker = own.broker;
  connectBootstrap = own.address;
  connectPort = await startTestConnect(CONNECT, own.address);
  pg = await connectSource(NAME);
  const source = { database: NAME, tables: ['members', 'claims'], connectPort, broker: own.address };
  const draft = cdcTestConfig('it-cdc-drill', source);
  const loaded = cdcTestConfig('it-cdc-drill', source, {
    streaming: {
      topics: [
        trackedTopic(changeTopic(draft, 'members'), TABLE, 'member_id', 'plan_id'),
        trackedTopic(changeTopic(draft, 'claims'), CLAIM_TABLE, 'claim_id', 'claim_status'),
      ],
      statusHistory: [
        {
          name: 'drill_claim_status',
          key: 'claim_id',
          status: 'claim_status',
          stream: { topic: changeTopic(draft, 'claims'), changedAt: 'updated_at' },
        },
      ],
      activitySeconds: 4,
      mergeEveryMs: 200,
      batchMaxRows: 250,
    },
  });
  config = loaded.config;
  configFile = loaded.file;
});

afterAll(async () => {
  if (worker && worker.exitCode === null) await stopGracefully(worker);
  if (config) await cdcStop(config, true, () => {}).catch(() => undefined);
  await pg?.end();
  await stopKafkaConnect(connectDir(CONNECT));
  if (broker) await stopKafka(broker.dir);
});

describe('CDC kill drills (real PostgreSQL, Kafka Connect, own broker, edp worker process, DuckDB)', () => {
  it('kill -9 of the worker and of the broker while updates stream: each change once in raw, SCD2 history as the source sequence gives it', async () => {
    await pg.query(`CREATE TABLE members (member_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, birth_date DATE,
      plan_id TEXT, coverage_start DATE, coverage_end DATE, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const keys = Array.from({ length: KEYS }, (_, i) => `M${String(i).padStart(2, '0')}`);
    await pg.query(`INSERT INTO members (member_id, plan_id) SELECT unnest($1::text[]), 'P0'`, [keys]);
    // The source's change sequence per key: the snapshot's plan, then every update's, in commit order.
    const expected = new Map(keys.map((k) => [k, ['P0']]));

    expect(await cdcStart(config, true, () => {})).toBe(0);
    const logFile = join(config.stateDir, 'worker.log');
    worker = await startWorkerProcess(configFile, logFile);
    const { client, close } = await testClient(config);
    try {
      const stream = await startStream(client, 0);
      await waitUntil('the snapshot in raw', async () => (await rawRows()) >= KEYS, 180_000);

      // One update per transaction, each a new plan, about 100 a second. The writer waits at two points
      // until the drill before it has happened, so both kills fall while updates are still being written.
      const gate = () => {
        let open!: () => void;
        return { passed: new Promise<void>((r) => (open = r)), open: () => open() };
      };
      const workerKilled = gate();
      const brokerKilled = gate();
      const writer = (async () => {
        for (let i = 1; i <= UPDATES; i++) {
          if (i === UPDATES * 0.35) await workerKilled.passed;
          if (i === UPDATES * 0.7) await brokerKilled.passed;
          const key = keys[i % KEYS];
          await pg.query(`UPDATE members SET plan_id = $1, updated_at = now() WHERE member_id = $2`, [`P${i}`, key]);
          expected.get(key)!.push(`P${i}`);
          if (i % 20 === 0) await sleep(100);
        }
      })();

      await waitUntil('updates flowing into raw', async () => (await rawRows()) >= KEYS + 300, 180_000);
      const atWorkerKill = await rawRows();
      await killHard(worker.pid!, 'the worker');
      workerKilled.open();
      worker = await startWorkerProcess(configFile, logFile);

      await waitUntil(
        'updates flowing again through the restarted worker',
        async () => (await rawRows()) >= atWorkerKill + 200,
        180_000,
      );
      await killHard(kafkaPid(broker.dir)!, 'the broker');
      brokerKilled.open();
      await startKafka(broker);
      await writer;

      const total = KEYS + UPDATES;
      await waitUntil(`${total} changes in raw`, async () => (await rawRows()) >= total, 300_000);
      await waitUntil(
        `${total} versions in the history`,
        async () => (await scalar(`SELECT count(*) FROM history.${TABLE}`)) >= total,
        120_000,
      );

      // raw: each change once by its source position (the snapshot's rows share the snapshot's LSN).
      const [raw] = await readWarehouse(
        config,
        `SELECT count(*) AS n, count(DISTINCT (json_extract_string(row_json, '$.member_id'),
           json_extract_string(payload, '$.payload.source.lsn'))) AS positions,
           count(*) FILTER (WHERE _edp_op = 'u') AS updates
         FROM raw.${TABLE}`,
      );
      expect([raw.n, raw.positions, raw.updates].map(Number)).toEqual([total, total, UPDATES]);

      // SCD2: per key, the versions are the source's sequence of plans, numbered without gaps, each
      // ending where the next begins, in LSN order, the last one current.
      const history = await readWarehouse(
        config,
        `SELECT member_id, string_agg(plan_id, ',' ORDER BY member_version) AS plans,
           count(*) AS versions, max(member_version) AS last, count(DISTINCT member_version) AS numbers,
           count(*) FILTER (WHERE is_current) AS current
         FROM history.${TABLE} GROUP BY member_id ORDER BY member_id`,
      );
      expect(history.map((h) => [h.member_id, h.plans, Number(h.versions), Number(h.last), Number(h.numbers)])).toEqual(
        keys.map((k) => [
          k,
          expected.get(k)!.join(','),
          expected.get(k)!.length,
          expected.get(k)!.length,
          expected.get(k)!.length,
        ]),
      );
      expect(history.every((h) => Number(h.current) === 1)).toBe(true);
      const [chain] = await readWarehouse(
        config,
        `SELECT count(*) FILTER (WHERE nxt IS NOT NULL AND valid_to IS DISTINCT FROM nxt) AS broken,
           count(*) FILTER (WHERE next_lsn IS NOT NULL AND next_lsn <= _edp_lsn) AS unordered
         FROM (SELECT *, lead(valid_from) OVER (PARTITION BY member_id ORDER BY member_version) AS nxt,
                 lead(_edp_lsn) OVER (PARTITION BY member_id ORDER BY member_version) AS next_lsn
               FROM history.${TABLE}) h`,
      );
      expect([Number(chain.broken), Number(chain.unordered)]).toEqual([0, 0]);

      await stream.cancel();
      await stream.result().catch(() => undefined);
    } finally {
      await close();
    }
  });

  it('kill -9 of Kafka Connect while claim statuses change: SCD2 and status history equal the source sequence per claim', async () => {
    // The worker of the first drill still runs; cdc start created the claims table and captures it.
    const keys = Array.from({ length: CLAIMS }, (_, i) => `C${String(i).padStart(2, '0')}`);
    const expected = new Map(keys.map((k) => [k, [CYCLE[0]]]));
    const claimRows = () => scalar(`SELECT count(*) FROM raw.${CLAIM_TABLE}`);
    const { client, close } = await testClient(config);
    try {
      const stream = await startStream(client, 1);
      await pg.query(`INSERT INTO claims (claim_id, claim_status) SELECT unnest($1::text[]), $2`, [keys, CYCLE[0]]);
      await waitUntil('the new claims in raw', async () => (await claimRows()) >= CLAIMS, 180_000);

      let open!: () => void;
      const connectKilled = new Promise<void>((r) => (open = r));
      const writer = (async () => {
        for (let i = 1; i <= CLAIM_UPDATES; i++) {
          if (i === CLAIM_UPDATES / 2) await connectKilled;
          const key = keys[i % CLAIMS];
          const statuses = expected.get(key)!;
          const next = CYCLE[(CYCLE.indexOf(statuses[statuses.length - 1]) + 1) % CYCLE.length];
          await pg.query(`UPDATE claims SET claim_status = $1, updated_at = clock_timestamp() WHERE claim_id = $2`, [
            next,
            key,
          ]);
          statuses.push(next);
          if (i % 20 === 0) await sleep(100);
        }
      })();

      await waitUntil('claim updates flowing into raw', async () => (await claimRows()) >= CLAIMS + 200, 180_000);
      await killHard(kafkaConnectPid(connectDir(CONNECT))!, 'Kafka Connect');
      open();
      await startTestConnect(CONNECT, connectBootstrap, connectPort);
      await writer;

      const total = CLAIMS + CLAIM_UPDATES;
      await waitUntil(`${total} claim changes in raw`, async () => (await claimRows()) >= total, 300_000);
      await waitUntil(
        `${total} claim transitions in the status history`,
        async () => (await scalar(`SELECT count(*) FROM history.drill_claim_status_transitions`)) >= total,
        120_000,
      );
      const [raw] = await readWarehouse(
        config,
        `SELECT count(*) AS n, count(DISTINCT (json_extract_string(row_json, '$.claim_id'),
           json_extract_string(payload, '$.payload.source.lsn'))) AS positions
         FROM raw.${CLAIM_TABLE}`,
      );
      expect([raw.n, raw.positions].map(Number)).toEqual([total, total]);

      // Per claim: the versions and the transitions are the statuses the source went through, in order,
      // each once; the status summary starts and ends where the source did.
      const seq = (k: string) => expected.get(k)!.join(',');
      const history = await readWarehouse(
        config,
        `SELECT claim_id, string_agg(claim_status, ',' ORDER BY claim_version) AS statuses, max(claim_version) AS last,
           count(*) FILTER (WHERE is_current) AS current
         FROM history.${CLAIM_TABLE} GROUP BY claim_id ORDER BY claim_id`,
      );
      expect(history.map((h) => [h.claim_id, h.statuses, Number(h.last), Number(h.current)])).toEqual(
        keys.map((k) => [k, seq(k), expected.get(k)!.length, 1]),
      );
      const transitions = await readWarehouse(
        config,
        `SELECT claim_id, string_agg(new_status, ',' ORDER BY changed_at) AS statuses,
           string_agg(COALESCE(old_status, '-'), ',' ORDER BY changed_at) AS olds,
           count(DISTINCT (kafka_partition, kafka_offset)) AS positions
         FROM history.drill_claim_status_transitions GROUP BY claim_id ORDER BY claim_id`,
      );
      expect(transitions.map((t) => [t.claim_id, t.statuses, t.olds, Number(t.positions)])).toEqual(
        keys.map((k) => [k, seq(k), ['-', ...expected.get(k)!.slice(0, -1)].join(','), expected.get(k)!.length]),
      );
      const status = await readWarehouse(
        config,
        `SELECT claim_id, initial_status, current_status, transitions FROM history.drill_claim_status ORDER BY claim_id`,
      );
      expect(status.map((x) => [x.claim_id, x.initial_status, x.current_status, Number(x.transitions)])).toEqual(
        keys.map((k) => [k, CYCLE[0], expected.get(k)!.at(-1), expected.get(k)!.length - 1]),
      );

      await stream.cancel();
      await stream.result().catch(() => undefined);
    } finally {
      await close();
    }
  });
});
