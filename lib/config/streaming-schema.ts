import { z } from 'zod';
import { columnsSchema, hostPort, identifier, positiveInt } from './primitives';
import { envVarName, oneSourceOf, tlsSchema } from './tls-schema';

/** A topic's SCD type 2 history: which columns' changes open a new version. */
export const topicHistorySchema = z
  .object({
    /** Columns whose row hash detects a change; default every non-key column. */
    track: z.array(identifier).min(1).optional(),
  })
  .strict();

/** One Kafka topic ingested into `raw.<table>` and merged into `staging.<table>`. */
export const streamTopicSchema = z
  .object({
    /** The Kafka topic. */
    topic: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"'),
    /** Table name in raw and staging. */
    table: identifier,
    /** `json`: the message is the row; `debezium`: a change envelope (before, after, op c/u/d/r, source.ts_ms). */
    format: z.enum(['json', 'debezium']).default('json'),
    /** The row's columns and types (staging casts them; a value that does not fit sends the message to the dead-letter table). */
    columns: columnsSchema,
    /** Business key of the staging MERGE (upsert; a Debezium delete removes the row). */
    key: z.array(identifier).min(1),
    /** Column holding the event time (json format); Debezium uses source.ts_ms; default the Kafka timestamp. */
    eventTime: identifier.optional(),
    /** SCD type 2 history of the topic's rows in `history.<table>` (docs/cdc-history.md); absent: none. */
    history: topicHistorySchema.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    for (const [i, col] of t.key.entries()) {
      if (!(col in t.columns))
        ctx.addIssue({ code: 'custom', path: ['key', i], message: `"${col}" is not one of the columns` });
    }
    if (t.eventTime && !(t.eventTime in t.columns)) {
      ctx.addIssue({ code: 'custom', path: ['eventTime'], message: `"${t.eventTime}" is not one of the columns` });
    }
    for (const [i, col] of (t.history?.track ?? []).entries()) {
      if (!(col in t.columns) || t.key.includes(col))
        ctx.addIssue({ code: 'custom', path: ['history', 'track', i], message: `"${col}" is not a non-key column` });
    }
  });
/** A streamed topic after defaults. */
export type StreamTopicConfig = z.infer<typeof streamTopicSchema>;

/** SASL login to the brokers: the mechanism, the user, and where the password comes from (one of the two). */
export const kafkaSaslSchema = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    passwordEnv: envVarName.optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((sasl, ctx) => {
    oneSourceOf(sasl, 'password', ctx);
    if (sasl.passwordEnv === undefined && sasl.passwordFile === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['passwordEnv'],
        message: 'SASL needs a password: set passwordEnv or passwordFile',
      });
  });

/** The `kafka` section: the brokers, the client id, TLS (`ssl`) and SASL; every Kafka client of the platform uses it. */
export const kafkaSchema = z
  .object({
    brokers: z.array(hostPort).min(1).default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('edp'),
    /** TLS to the brokers (present: on); `ssl: {}` trusts the system's CAs (MSK, Confluent Cloud). */
    ssl: tlsSchema.optional(),
    sasl: kafkaSaslSchema.optional(),
  })
  .strict()
  .default({});
/** The validated `kafka` section. */
export type KafkaConfig = z.infer<typeof kafkaSchema>;

/** Where one path of a status history reads its events: the status's change time column. */
const statusPathSchema = z.object({ changedAt: identifier }).strict();

/**
 * A status transition history (`history.<name>_transitions` and `history.<name>`) fed by a streamed
 * topic and a batch raw table, each transition once whichever path saw it (docs/cdc-history.md).
 */
export const statusHistorySchema = z
  .object({
    /** Names the tables: `history.<name>_transitions`, `history.<name>` (initial and current status). */
    name: identifier,
    /** The entity's key column (same name on both paths). */
    key: identifier,
    /** The status column (same name on both paths). */
    status: identifier,
    /** The streamed side: a topic of `streaming.topics` (by topic or table) with the key, status and changedAt columns. */
    stream: statusPathSchema.extend({ topic: z.string().min(1) }).strict(),
    /** The batch side: `raw.<table>` as batch ingest loads it (with `_edp_run_id`, `_edp_loaded_at`). */
    batch: statusPathSchema.extend({ table: identifier }).strict().optional(),
  })
  .strict();
/** A validated status history. */
export type StatusHistoryConfig = z.infer<typeof statusHistorySchema>;

/**
 * The platform's heartbeat: a row `(source, beat_at)` of the source's `edp_heartbeat` table updated every
 * `everySeconds` by the streaming monitor, carried through CDC like any captured table (docs/streaming.md).
 */
export const heartbeatSchema = z
  .object({
    /** Seconds between two heartbeats written into the source. */
    everySeconds: positiveInt.default(10),
    /** The `sources` entry (kind postgres) whose `edp_heartbeat` table gets the beats. */
    source: identifier,
    /** The streamed topic (or its table) carrying the heartbeat table's changes; default the topic of table `edp_heartbeat`. */
    topic: z.string().min(1).optional(),
    /** Freshness budget: "source quiet" opens when the newest heartbeat in staging is older than this. */
    maxDelaySeconds: positiveInt.default(60),
  })
  .strict();
/** The validated `streaming.heartbeat` section. */
export type HeartbeatConfig = z.infer<typeof heartbeatSchema>;

/** The `streaming` section: Kafka topics ingested continuously (exactly once) and how the consumer batches and is watched. */
export const streamingSchema = z
  .object({
    topics: z.array(streamTopicSchema).default([]),
    /** Rows per warehouse transaction at most (a micro-batch). */
    batchMaxRows: positiveInt.default(10_000),
    /** The longest a row written to raw waits for its staging merge (the merge cadence). */
    mergeEveryMs: positiveInt.default(1000),
    /**
     * Merge sooner while merges are cheap: as soon as twice the last merge's duration has passed since it
     * ended (at least every `mergeEveryMs`). `false`: exactly every `mergeEveryMs` while events flow.
     * @default true
     */
    adaptiveMerge: z.boolean().optional(),
    /** One consumer activity runs this long, then the workflow starts the next (continue-as-new every 20). */
    activitySeconds: positiveInt.default(300),
    monitor: z
      .object({
        everySeconds: positiveInt.default(15),
        /** Latency percentiles over this many seconds of events. */
        windowSeconds: positiveInt.default(300),
        /** Alert when a partition's lag (log end − warehouse offset) exceeds this many messages. */
        maxLagMessages: positiveInt.optional(),
        /** Alert when event time → staging p99 exceeds this many milliseconds. */
        maxLatencyP99Ms: positiveInt.optional(),
        /** Failed checks in a row (broker or warehouse unreachable) before a breach opens; default 3. */
        failedChecksBeforeBreach: positiveInt.optional(),
        /** A topic with lag whose consumer committed nothing for this many seconds is stalled (alert `stream-stalled`); default 300. */
        stalledAfterSeconds: positiveInt.optional(),
      })
      .strict()
      .default({}),
    /** Status transition histories fed by a topic and a batch raw table. */
    statusHistory: z.array(statusHistorySchema).optional(),
    /** Heartbeats written into a source and carried through CDC: lag in seconds and a "source quiet" breach. */
    heartbeat: heartbeatSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [i, h] of (s.statusHistory ?? []).entries()) {
      const t = s.topics.find((x) => x.topic === h.stream.topic || x.table === h.stream.topic);
      const path = ['statusHistory', i, 'stream'];
      if (!t) ctx.addIssue({ code: 'custom', path: [...path, 'topic'], message: `no topic "${h.stream.topic}"` });
      for (const col of t ? [h.key, h.status, h.stream.changedAt] : []) {
        if (!(col in t!.columns))
          ctx.addIssue({ code: 'custom', path, message: `"${col}" is not a column of the topic` });
      }
    }
    const beat = s.heartbeat;
    if (beat?.topic !== undefined && !s.topics.some((t) => t.topic === beat.topic || t.table === beat.topic))
      ctx.addIssue({ code: 'custom', path: ['heartbeat', 'topic'], message: `no topic "${beat.topic}"` });
  })
  .default({});
/** The validated `streaming` section. */
export type StreamingConfig = z.infer<typeof streamingSchema>;
