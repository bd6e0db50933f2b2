import { z } from 'zod';
import { columnsSchema, hostPort, identifier, positiveInt } from './primitives';
import { envVarName, oneSourceOf, tlsSchema } from './tls-schema';

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

/** The `streaming` section: Kafka topics ingested continuously (exactly once) and how the consumer batches and is watched. */
export const streamingSchema = z
  .object({
    topics: z.array(streamTopicSchema).default([]),
    /** Rows per warehouse transaction at most (a micro-batch). */
    batchMaxRows: positiveInt.default(10_000),
    /** Staging merges run at most this often, after the raw commits they cover. */
    mergeEveryMs: positiveInt.default(1000),
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
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({});
/** The validated `streaming` section. */
export type StreamingConfig = z.infer<typeof streamingSchema>;
