import { z } from 'zod';
import { identifier, port, positiveInt } from './primitives';

/** The operational tables captured when `cdc.tables` is not given. */
export const DEFAULT_CDC_TABLES = [
  'members',
  'eligibility',
  'claims',
  'claim_status_events',
  'providers',
  'accumulators',
] as const;

/** The source table the platform writes heartbeats into; always in the publication (docs/cdc.md#heartbeats). */
export const HEARTBEAT_TABLE = 'edp_heartbeat';

/**
 * The `cdc` section: change data capture from an operational PostgreSQL source by the Debezium connector
 * in Kafka Connect (docs/cdc.md). Its topics are `<topicPrefix>.<schema>.<table>`, ingested by
 * `streaming.topics` entries with `format: debezium`.
 */
export const cdcSchema = z
  .object({
    /** The `sources` entry (kind postgres) whose write-ahead log is read. */
    source: identifier,
    /** Schema of the captured tables in the source. */
    schema: identifier.default('public'),
    /** The captured tables (besides the heartbeat table). */
    tables: z
      .array(identifier)
      .min(1)
      .default([...DEFAULT_CDC_TABLES]),
    /** Debezium's `topic.prefix`: the logical server name topics start with. */
    topicPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'letters, digits, "_" or "-", parts joined by "."')
      .default('edp.cdc'),
    /** The logical replication slot (Debezium creates it on first start). */
    slot: identifier.default('edp_cdc'),
    /** The publication `edp cdc start` creates (or sets) over the captured tables. */
    publication: identifier.default('edp_cdc'),
    /** The connector's name in Kafka Connect. */
    connector: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('edp-cdc-postgres'),
    /** Debezium's `decimal.handling.mode`: `precise` (bytes with a scale), `string` or `double`. */
    decimalHandling: z.enum(['precise', 'string', 'double']).default('precise'),
    /** JSON converter with its schema part (`schemas.enable`): values decode by their semantic type. */
    schemas: z.boolean().default(true),
    /** The `ExtractNewRecordState` transform: the row itself with `__op`, `__deleted`, `__source_ts_ms`, `__lsn`. */
    flatten: z.boolean().default(false),
    /** `REPLICA IDENTITY FULL` on the captured tables: updates and deletes carry the whole `before` row. */
    replicaIdentityFull: z.boolean().default(true),
    /** Debezium's `provide.transaction.metadata`: a `transaction` block per event and a `<topicPrefix>.transaction` topic. */
    transactionMetadata: z.boolean().default(false),
    /** Debezium's `snapshot.mode`: `initial` reads every row once (op r) before streaming. */
    snapshotMode: z.enum(['initial', 'no_data', 'when_needed']).default('initial'),
    /** Partitions of each change topic the connector creates (one keeps a table's changes in commit order). */
    partitions: positiveInt.default(1),
    /** The Kafka Connect worker `edp up` runs on 127.0.0.1. */
    connect: z
      .object({
        /** Its REST port. */
        port: port.default(8083),
        heap: z
          .string()
          .regex(/^\d+[mg]$/)
          .default('512m'),
      })
      .strict()
      .default({}),
  })
  .strict();
/** The validated `cdc` section. */
export type CdcConfig = z.infer<typeof cdcSchema>;
