import { basename, dirname } from 'node:path';
import type { ClientConfig } from 'pg';
import { HEARTBEAT_TABLE, type CdcConfig, type SqlSourceConfig } from '../lib/config/schema';
import { connectRequest } from './kafka-connect';
import { ServiceError, waitUntil } from './process';

/**
 * The operational tables CDC captures, as `edp cdc start` creates them when missing (the sample
 * generator creates `claim_status_events`), and the heartbeat table the platform writes beats into.
 */
const SOURCE_DDL: Readonly<Record<string, string>> = {
  members: `member_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, birth_date DATE, plan_id TEXT,
    coverage_start DATE, coverage_end DATE, updated_at TIMESTAMPTZ NOT NULL DEFAULT now()`,
  providers: `provider_id TEXT PRIMARY KEY, provider_name TEXT, specialty TEXT, network_status TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()`,
  claims: `claim_id TEXT PRIMARY KEY, member_id TEXT, provider_id TEXT, service_date DATE,
    billed_amount NUMERIC(12,2), paid_amount NUMERIC(12,2), claim_status TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()`,
  eligibility: `member_id TEXT NOT NULL, plan_id TEXT NOT NULL, coverage_start DATE NOT NULL, coverage_end DATE,
    status TEXT, updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (member_id, plan_id, coverage_start)`,
  accumulators: `member_id TEXT NOT NULL, plan_year INTEGER NOT NULL, deductible_met NUMERIC(12,2) NOT NULL DEFAULT 0,
    out_of_pocket_met NUMERIC(12,2) NOT NULL DEFAULT 0, updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, plan_year)`,
  claim_status_events: `event_id TEXT PRIMARY KEY, claim_id TEXT NOT NULL, status TEXT NOT NULL,
    amount NUMERIC(12,2), updated_at TIMESTAMPTZ NOT NULL`,
  [HEARTBEAT_TABLE]: 'source TEXT PRIMARY KEY, beat_at TIMESTAMPTZ NOT NULL',
};

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every table in the publication: the captured ones and the heartbeat table. */
export const publishedTables = (cdc: CdcConfig): string[] => [...new Set([...cdc.tables, HEARTBEAT_TABLE])];

/** The Kafka topic Debezium writes a source table's changes to. */
export const cdcTopic = (cdc: CdcConfig, table: string): string => `${cdc.topicPrefix}.${cdc.schema}.${table}`;

async function withClient<T>(connection: ClientConfig, fn: (c: import('pg').Client) => Promise<T>): Promise<T> {
  const { Client } = await import('pg');
  const client = new Client(connection);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Makes the source ready for logical decoding: checks `wal_level = logical`, creates the captured
 * tables it knows that are missing and the heartbeat table, sets `REPLICA IDENTITY FULL` when asked,
 * and creates the publication (or sets its table list). Debezium creates the slot itself on first start,
 * so the slot's first position is the snapshot's and no change is read twice.
 */
export async function prepareCdcSource(connection: ClientConfig, cdc: CdcConfig): Promise<void> {
  await withClient(connection, async (c) => {
    const [{ wal_level: level }] = (await c.query<{ wal_level: string }>('SHOW wal_level')).rows;
    if (level !== 'logical')
      throw new ServiceError(
        `PostgreSQL runs with wal_level = ${level}; CDC needs logical. How to fix: set wal_level = logical in ` +
          'postgresql.conf and restart it (the server `edp up` starts has it: `npx edp down && npx edp up`)',
      );
    const schema = ident(cdc.schema);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const table of publishedTables(cdc)) {
      const ddl = SOURCE_DDL[table];
      if (ddl) await c.query(`CREATE TABLE IF NOT EXISTS ${schema}.${ident(table)} (${ddl})`);
    }
    const names = publishedTables(cdc).map((t) => `${schema}.${ident(t)}`);
    const found = await c.query<{ n: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)`,
      [cdc.schema, publishedTables(cdc)],
    );
    const missing = publishedTables(cdc).filter((t) => !found.rows.some((r) => r.n.endsWith(`.${t}`)));
    if (missing.length > 0)
      throw new ServiceError(
        `cdc.tables names ${missing.map((t) => `${cdc.schema}.${t}`).join(', ')}, missing in the source. ` +
          'How to fix: create them or remove them from cdc.tables',
      );
    if (cdc.replicaIdentityFull) {
      for (const n of names) await c.query(`ALTER TABLE ${n} REPLICA IDENTITY FULL`);
    }
    const pub = await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [cdc.publication]);
    await c.query(
      pub.rowCount
        ? `ALTER PUBLICATION ${ident(cdc.publication)} SET TABLE ${names.join(', ')}`
        : `CREATE PUBLICATION ${ident(cdc.publication)} FOR TABLE ${names.join(', ')}`,
    );
  });
}

/** Where the connector reaches the source; the password is a config-provider reference, never the secret itself. */
export type CdcSourceConnection = Pick<
  SqlSourceConfig,
  'host' | 'port' | 'database' | 'user' | 'passwordEnv' | 'passwordFile' | 'sslmode' | 'sslCaFile'
>;

function passwordReference(source: CdcSourceConnection): Record<string, string> {
  if (source.passwordEnv) return { 'database.password': `\${env:${source.passwordEnv}}` };
  if (source.passwordFile)
    return { 'database.password': `\${dir:${dirname(source.passwordFile)}:${basename(source.passwordFile)}}` };
  return {};
}

/** The Debezium PostgreSQL connector's settings for this config (docs/cdc.md#connector-settings). */
export function connectorConfig(cdc: CdcConfig, source: CdcSourceConnection): Record<string, string> {
  const schemas = String(cdc.schemas);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': source.host,
    'database.port': String(source.port),
    'database.user': source.user,
    ...passwordReference(source),
    'database.dbname': source.database,
    'database.sslmode': source.sslmode,
    ...(source.sslCaFile ? { 'database.sslrootcert': source.sslCaFile } : {}),
    'topic.prefix': cdc.topicPrefix,
    'plugin.name': 'pgoutput',
    'slot.name': cdc.slot,
    'publication.name': cdc.publication,
    'publication.autocreate.mode': 'disabled',
    'table.include.list': publishedTables(cdc)
      .map((t) => `${cdc.schema}.${t}`.replace(/\./g, '\\.'))
      .join(','),
    'snapshot.mode': cdc.snapshotMode,
    'decimal.handling.mode': cdc.decimalHandling,
    'provide.transaction.metadata': String(cdc.transactionMetadata),
    'tombstones.on.delete': 'true',
    // Debezium's own heartbeats let the slot advance while the captured tables are quiet.
    'heartbeat.interval.ms': '10000',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': schemas,
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': schemas,
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': String(cdc.partitions),
    'exactly.once.support': 'requested',
    ...(cdc.flatten
      ? {
          transforms: 'unwrap',
          'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
          'transforms.unwrap.add.fields': 'op,source.ts_ms,lsn',
          'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
        }
      : {}),
  };
}

/** Creates or updates the connector in Kafka Connect (idempotent: PUT of its config). */
export async function registerConnector(port: number, name: string, config: Record<string, string>): Promise<void> {
  await connectRequest(port, 'PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
}

/**
 * Removes the connector; false when it was not registered. With `resetOffsets` its stored source
 * offsets go too (stopped first, as Kafka Connect requires), so a new connector of that name snapshots
 * afresh instead of resuming from a position a dropped slot no longer holds.
 */
export async function removeConnector(port: number, name: string, resetOffsets = false): Promise<boolean> {
  const path = `/connectors/${encodeURIComponent(name)}`;
  if ((await connectRequest(port, 'GET', path)) === undefined) return false;
  if (resetOffsets) {
    await connectRequest(port, 'PUT', `${path}/stop`);
    await waitUntil(
      async () => (await connectorState(port, name))?.connector === 'STOPPED',
      `connector ${name} to stop`,
      30_000,
    );
    await connectRequest(port, 'DELETE', `${path}/offsets`);
  }
  await connectRequest(port, 'DELETE', path);
  return true;
}

/** The connector's and its tasks' states as Kafka Connect reports them. */
export interface ConnectorState {
  connector: string;
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

/** The connector's state, or undefined when it is not registered. */
export async function connectorState(port: number, name: string): Promise<ConnectorState | undefined> {
  const s = await connectRequest<{ connector: { state: string }; tasks: ConnectorState['tasks'] }>(
    port,
    'GET',
    `/connectors/${encodeURIComponent(name)}/status`,
  );
  return s && { connector: s.connector.state, tasks: s.tasks.map(({ id, state, trace }) => ({ id, state, trace })) };
}

/** How far the replication slot is behind the source's write-ahead log. */
export interface SlotLag {
  active: boolean;
  /** WAL the slot holds back: current LSN − confirmed flush LSN. */
  bytes: number;
  /** Age of the oldest change the slot has not confirmed (0 when caught up; undefined when unknown). */
  seconds?: number;
  confirmedFlushLsn: string;
}

/** PostgreSQL epoch (2000-01-01) in Unix milliseconds: pgoutput timestamps count µs from it. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * The slot's lag, or undefined when the slot does not exist. Seconds: the walsender's `replay_lag`
 * while the connector reads; when nobody reads, the commit time of the first unconfirmed transaction
 * (peeked from the slot, not consumed).
 */
export async function slotLag(connection: ClientConfig, cdc: CdcConfig): Promise<SlotLag | undefined> {
  return withClient(connection, async (c) => {
    const r = await c.query<{ active: boolean; bytes: string; lsn: string; replay: string | null }>(
      `SELECT s.active, pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS bytes,
              s.confirmed_flush_lsn::text AS lsn, EXTRACT(EPOCH FROM r.replay_lag)::text AS replay
       FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
       WHERE s.slot_name = $1`,
      [cdc.slot],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const bytes = Number(row.bytes);
    const lag: SlotLag = { active: row.active, bytes, confirmedFlushLsn: row.lsn };
    if (bytes === 0) return { ...lag, seconds: 0 };
    if (row.active) return row.replay === null ? lag : { ...lag, seconds: Number(row.replay) };
    const peek = await c.query<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, 1, 'proto_version', '1', 'publication_names', $2)`,
      [cdc.slot, cdc.publication],
    );
    // pgoutput's Begin message: 'B', final LSN (8 bytes), commit time (µs since 2000-01-01, 8 bytes), xid.
    const begin = peek.rows.find((p) => p.data[0] === 0x42);
    if (!begin) return { ...lag, seconds: 0 };
    const committedMs = PG_EPOCH_MS + Number(begin.data.readBigInt64BE(9) / 1000n);
    return { ...lag, seconds: Math.max(0, (Date.now() - committedMs) / 1000) };
  });
}

/** Drops the replication slot (the source then stops holding WAL for it); false when there was none. */
export async function dropSlot(connection: ClientConfig, slot: string): Promise<boolean> {
  return withClient(connection, async (c) => {
    const r = await c.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    return (r.rowCount ?? 0) > 0;
  });
}
