import type { ClientConfig } from 'pg';
import { kafkaClient, postgresClientConfig } from '../activities/connections';
import {
  cdcTopic,
  connectorConfig,
  connectorState,
  dropSlot,
  prepareCdcSource,
  publishedTables,
  registerConnector,
  removeConnector,
  slotLag,
  type ConnectorState,
} from '../infra/debezium';
import { ensureDatabase } from '../infra/postgres';
import { waitUntil } from '../infra/process';
import type { CdcConfig, KafkaConfig, SqlSourceConfig } from '../lib/config/schema';
import { ConfigError } from '../lib/errors';
import type { EdpConfig } from '../workers/config-schema';
import { createTopicsWithLeaders } from './kafka-topics';
import { num, table } from './output';

/** The `cdc` section and its PostgreSQL source; a config error naming the key when either is missing. */
export function cdcSetup(config: EdpConfig): { cdc: CdcConfig; source: SqlSourceConfig; connection: ClientConfig } {
  const cdc = config.cdc;
  if (!cdc) throw new ConfigError('CDC is not configured: add a cdc section (docs/cdc.md)', { fix: 'cdc' });
  const source = config.sources.find((s) => s.name === cdc.source);
  if (!source || source.kind !== 'postgres')
    throw new ConfigError(
      `"${cdc.source}" is not a PostgreSQL source (sources: ${config.sources.map((s) => s.name).join(', ') || 'none'})`,
      { fix: 'cdc.source' },
    );
  return { cdc, source, connection: postgresClientConfig(source, source.database) };
}

const running = (s: ConnectorState | undefined): boolean =>
  s?.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');

function failedTask(s: ConnectorState | undefined): string | undefined {
  const t = s?.tasks.find((x) => x.state === 'FAILED');
  return t && `task ${t.id} FAILED: ${(t.trace ?? '').split('\n')[0]}`;
}

/** Creates the change topics that do not exist and waits until each partition has a leader. */
export async function createChangeTopics(kafka: KafkaConfig, cdc: CdcConfig): Promise<void> {
  const topics = publishedTables(cdc).map((t) => cdcTopic(cdc, t));
  const admin = kafkaClient(kafka, 'cdc').admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, topics, cdc.partitions);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `edp cdc start`: prepares the source (captured tables, heartbeat table, publication), registers the
 * Debezium connector in Kafka Connect and waits for its task to run (first the snapshot, op r).
 */
export async function cdcStart(config: EdpConfig, wait: boolean, log: (m: string) => void): Promise<number> {
  const { cdc, source, connection } = cdcSetup(config);
  await ensureDatabase({ ...connection, database: 'postgres' }, source.database);
  await prepareCdcSource(connection, cdc);
  log(`source ${source.name}: publication ${cdc.publication} over ${publishedTables(cdc).join(', ')}`);
  // The change topics exist before the first change, so a streaming consumer may subscribe at once.
  await createChangeTopics(config.kafka, cdc);
  await registerConnector(cdc.connect.port, cdc.connector, connectorConfig(cdc, source));
  log(`connector ${cdc.connector} registered in Kafka Connect on 127.0.0.1:${cdc.connect.port}`);
  if (wait) {
    let last: ConnectorState | undefined;
    await waitUntil(
      async () => running((last = await connectorState(cdc.connect.port, cdc.connector))),
      `connector ${cdc.connector} to run`,
      90_000,
      () => failedTask(last),
    );
    log(`connector ${cdc.connector}: RUNNING (snapshot, then streaming from slot ${cdc.slot})`);
  }
  const consumed = new Set(config.streaming.topics.map((t) => t.topic));
  for (const t of cdc.tables) {
    const topic = cdcTopic(cdc, t);
    log(`  ${topic}${consumed.has(topic) ? '' : '  (no streaming.topics entry reads it yet)'}`);
  }
  return 0;
}

/** `edp cdc status`: the connector's and tasks' states and the slot's lag in bytes and seconds. */
export async function cdcStatus(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const { cdc, connection } = cdcSetup(config);
  const state = await connectorState(cdc.connect.port, cdc.connector);
  const lag = await slotLag(connection, cdc);
  log(
    table([
      {
        connector: cdc.connector,
        state: state?.connector ?? 'not registered',
        tasks: state?.tasks.map((t) => `${t.id}:${t.state}`).join(' ') ?? '-',
        slot: lag ? `${cdc.slot} (${lag.active ? 'active' : 'inactive'})` : `${cdc.slot} (none)`,
        'lag bytes': lag ? num(lag.bytes) : '-',
        'lag seconds': lag?.seconds === undefined ? '-' : lag.seconds.toFixed(1),
        'confirmed lsn': lag?.confirmedFlushLsn ?? '-',
      },
    ]),
  );
  const failed = failedTask(state);
  if (failed) log(failed);
  return state && running(state) ? 0 : 1;
}

/** `edp cdc stop [--drop-slot]`: removes the connector; with `--drop-slot` also the slot, so the source stops keeping WAL. */
export async function cdcStop(config: EdpConfig, drop: boolean, log: (m: string) => void): Promise<number> {
  const { cdc, connection } = cdcSetup(config);
  const removed = await removeConnector(cdc.connect.port, cdc.connector, drop);
  log(`connector ${cdc.connector}: ${removed ? `removed${drop ? ' with its offsets' : ''}` : 'was not registered'}`);
  if (!drop) {
    log(`slot ${cdc.slot} kept: the next \`edp cdc start\` resumes where it stopped (the source keeps WAL until then)`);
    return 0;
  }
  // The task lets go of the slot shortly after the connector is removed.
  await waitUntil(async () => !(await slotLag(connection, cdc))?.active, `slot ${cdc.slot} to be released`, 30_000);
  if (!(await dropSlot(connection, cdc.slot))) log(`slot ${cdc.slot}: did not exist`);
  else log(`slot ${cdc.slot}: dropped (a new start takes a fresh snapshot)`);
  return 0;
}
