import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { kafkaClient } from '../../activities/connections';
import { ensureTopics } from '../../cli/stream-producer';
import { cdcTopic } from '../../infra/debezium';
import { startKafka, type KafkaBrokerOptions } from '../../infra/kafka';
import { startKafkaConnect } from '../../infra/kafka-connect';
import { ensureDatabase } from '../../infra/postgres';
import type { StreamTopicConfig } from '../../lib/config/schema';
import type { LoadedConfig } from '../../workers/config';
import { testConfig } from './platform';
import { testKafka } from './streams';
import { tmpDir } from './tmp';
import { freePort, TEST_SERVICES_DIR, testServices } from '../setup/test-services';

/** Where a CDC suite's Kafka Connect worker keeps its files (`kafka-connect`, or a folder of its own). */
export const connectDir = (name = 'kafka-connect'): string => join(TEST_SERVICES_DIR, name);

/**
 * Starts a Kafka Connect worker with the Debezium plugin on a free port (or `port`, to restart one)
 * against `bootstrap`; returns the port. A suite that may run beside another CDC suite (jest runs two
 * at once) passes a `name` of its own: its folder and Connect group are then apart from the others'.
 */
export async function startTestConnect(
  name?: string,
  bootstrap = testServices().kafkaBroker,
  restartOn?: number,
): Promise<number> {
  const port = restartOn ?? (await freePort());
  await startKafkaConnect({
    dir: connectDir(name),
    bootstrap,
    port,
    heap: '384m',
    ...(name ? { groupId: `edp-${name}` } : {}),
  });
  return port;
}

/** A broker of the suite's own (in a temporary folder), for drills that stop or kill it. */
export async function startOwnBroker(): Promise<{ broker: KafkaBrokerOptions; address: string }> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const broker = { dir: tmpDir('edp-kafka-'), host: '127.0.0.1', port, controllerPort, heap: '256m' };
  await startKafka(broker);
  return { broker, address: `127.0.0.1:${port}` };
}

/** What a CDC suite captures: its source database and connector names, apart from every other suite's. */
export interface CdcTestSource {
  /** The source database (and the stem of slot, publication and connector names). */
  database: string;
  /** Source tables captured (their topics are `it.<pid>.<database>.public.<table>`). */
  tables: string[];
  /** Kafka Connect's REST port. */
  connectPort: number;
  /** The broker, when not the test run's. */
  broker?: string;
}

/**
 * A test config with a `cdc` section over its own database on the test run's PostgreSQL, its own slot,
 * publication, connector and topic prefix; `overrides` as `testConfig` takes them.
 */
export function cdcTestConfig(
  name: string,
  source: CdcTestSource,
  overrides: Record<string, unknown> = {},
): LoadedConfig & { file: string } {
  const services = testServices();
  return testConfig(name, {
    kafka: { brokers: [source.broker ?? services.kafkaBroker], clientId: 'edp-test' },
    sources: [
      {
        name: 'operational',
        kind: 'postgres',
        host: '127.0.0.1',
        port: services.postgresPort,
        database: source.database,
        user: 'edp',
        tables: [{ name: 'members', mode: 'full', columns: { member_id: 'string' } }],
      },
    ],
    cdc: {
      source: 'operational',
      tables: source.tables,
      topicPrefix: `it.${process.pid}.${source.database}`,
      slot: `${source.database}_slot`,
      publication: `${source.database}_pub`,
      connector: `${source.database}-connector`,
      connect: { port: source.connectPort },
    },
    ...overrides,
  });
}

/** The Kafka topic Debezium writes `table`'s changes to under a config's `cdc` section. */
export const changeTopic = (loaded: LoadedConfig, table: string): string => cdcTopic(loaded.config.cdc!, table);

/** Creates the source database of a CDC suite and connects to it. */
export async function connectSource(database: string): Promise<Client> {
  const connection = { host: '127.0.0.1', port: testServices().postgresPort, user: 'edp' };
  await ensureDatabase(connection, database);
  const pg = new Client({ ...connection, database });
  await pg.connect();
  return pg;
}

/** One change as the Debezium PostgreSQL connector describes it (for hand-made messages on a topic). */
export interface DebeziumChange {
  op: 'c' | 'u' | 'd' | 'r';
  row: Record<string, string | number | null>;
  /** `source.lsn`. */
  lsn: number;
  /** `source.ts_ms`: the source commit. */
  tsMs: number;
  /** The JSON converter with schemas (an envelope under `payload`) or without. */
  withSchema?: boolean;
}

/** A Debezium PostgreSQL change event for `table`, as the JSON converter writes it. */
export function debeziumMessage(table: string, c: DebeziumChange): string {
  const payload = {
    before: c.op === 'd' ? c.row : null,
    after: c.op === 'd' ? null : c.row,
    source: { connector: 'postgresql', db: 'operational', schema: 'public', table, lsn: c.lsn, ts_ms: c.tsMs },
    op: c.op,
    ts_ms: c.tsMs + 5,
  };
  return JSON.stringify(c.withSchema ? { schema: { type: 'struct', name: `${table}.Envelope` }, payload } : payload);
}

/** Hand-made Debezium changes of `table` as the consumer reads them, at offsets from `firstOffset` on (keyed by the row's first column). */
export function debeziumKafkaMessages(
  table: string,
  changes: readonly DebeziumChange[],
  firstOffset = 0,
): KafkaMessage[] {
  return changes.map((c, i) => ({
    key: Buffer.from(String(Object.values(c.row)[0])),
    value: Buffer.from(debeziumMessage(table, c)),
    timestamp: String(c.tsMs),
    offset: String(firstOffset + i),
    headers: {},
    attributes: 0,
  }));
}

/**
 * Produces hand-made Debezium changes of `table` to `topic` on the test run's broker (creating the topic
 * with `partitions`), each on its partition (default 0), keyed by the row's first column.
 */
export async function produceDebezium(
  topic: string,
  table: string,
  changes: ReadonlyArray<DebeziumChange & { partition?: number }>,
  partitions = 1,
): Promise<void> {
  if (changes.length === 0) return;
  const kafka = kafkaClient(testKafka(), 'cdc-test-producer');
  await ensureTopics(kafka, [topic], partitions);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: changes.map((c) => ({
        partition: c.partition ?? 0,
        key: JSON.stringify({ id: Object.values(c.row)[0] }),
        value: debeziumMessage(table, c),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** A Debezium members topic with SCD2 history of the member's name and plan (`updated_at` changes open no version). */
export const memberHistoryTopic = (topic: string, table: string): StreamTopicConfig => ({
  topic,
  table,
  format: 'debezium',
  columns: {
    member_id: 'string',
    first_name: 'string',
    last_name: 'string',
    plan_id: 'string',
    updated_at: 'timestamp',
  },
  key: ['member_id'],
  history: { track: ['first_name', 'last_name', 'plan_id'] },
});

/** A curation table's business rule: each claim's latest row of its integration view. */
export const LATEST_CLAIM_STATUS_SQL = `select claim_id, member_id, status from (
    select *, row_number() over (partition by claim_id order by _edp_changed_at desc) as rn
    from {{ integration }}) x
  where rn = 1`;
