import { z } from 'zod';
import { realtimeSchema } from './realtime-schema';

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier (letters, digits, underscore)');
const positiveInt = z.number().int().positive();
/** A Snowflake stage named `schema.stage` or `database.schema.stage` (unquoted identifiers). */
export const SNOWFLAKE_STAGE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){1,2}$/;
/** `s3://bucket/prefix/`: the bucket (group 1) and the prefix (group 2, may be empty). */
export const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/;

/** Column types a landing-file entity may declare; each dialect maps them to its own type names. */
export const columnTypeSchema = z.enum(['string', 'integer', 'decimal', 'date', 'timestamp', 'boolean']);
/** A column type of a landing-file entity. */
export type ColumnType = z.infer<typeof columnTypeSchema>;

/** How an export replaces data: the whole table, or only the run's data-interval partition. */
export const exportModeSchema = z.enum(['overwrite', 'partition']);
/** An export mode. */
export type ExportMode = z.infer<typeof exportModeSchema>;

/** One landing-file entity: where its files land and how they map onto a raw table. */
export const entitySchema = z
  .object({
    name: identifier,
    /** File-name pattern; `{interval}` stands for the interval start as YYYYMMDDTHHMM. */
    pattern: z
      .string()
      .includes('{interval}', { message: 'must contain {interval}' })
      .refine((p) => !p.includes('/'), 'a file name, without /: files land in <landing.path>/<entity>/'),
    /** `csv`, `ndjson` (one JSON object per line) or `json` (one array of objects). A `.gz` name is read gunzipped. */
    format: z.enum(['csv', 'ndjson', 'json']).default('csv'),
    delimiter: z.string().length(1).default(','),
    header: z.boolean().default(true),
    /** CSV quote character. */
    quote: z.string().length(1).default('"'),
    /** Text encoding of the file. */
    encoding: z.enum(['utf-8', 'utf-16', 'latin-1']).default('utf-8'),
    columns: z
      .record(identifier, columnTypeSchema)
      .refine((c) => Object.keys(c).length > 0, 'needs at least one column'),
    /** Columns that must be present and non-empty; a row without them is quarantined. */
    required: z.array(identifier).default([]),
    /** Also keep each row's original text values as JSON in `_edp_raw` (slower; CSV rows can always be replayed from their file by line). */
    keepRawText: z.boolean().default(false),
  })
  .strict()
  .superRefine((e, ctx) => {
    for (const [i, col] of e.required.entries()) {
      if (!(col in e.columns)) {
        ctx.addIssue({ code: 'custom', path: ['required', i], message: `"${col}" is not one of the entity's columns` });
      }
    }
  });
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
    columns: z
      .record(identifier, columnTypeSchema)
      .refine((c) => Object.keys(c).length > 0, 'needs at least one column'),
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

/** An activity retry policy: the first retry after `initialSeconds`, each next one `backoff` times later, at most `maxSeconds` apart. */
const retryPolicySchema = z
  .object({
    initialSeconds: positiveInt.default(10),
    backoff: z.number().min(1).default(2),
    maxSeconds: positiveInt.default(600),
    /** Attempts in all, the first included. */
    maxAttempts: positiveInt.default(8),
  })
  .strict();
/** A retry policy after defaults. */
export type RetryPolicyConfig = z.infer<typeof retryPolicySchema>;

/** One alert destination. The URL (and PagerDuty routing key) are secrets: never logged, redacted in config dumps. */
export const webhookSchema = z
  .object({
    /** Names the webhook in logs and errors (instead of its URL). */
    name: identifier,
    /** The URL itself, or… */
    url: z.string().url().optional(),
    /** …the environment variable holding it (keeps the secret out of the config file). */
    urlEnv: z.string().min(1).optional(),
    /** Body shape: `json` (the alert as is), `slack` (`text`), `pagerduty` (Events API v2). */
    format: z.enum(['json', 'slack', 'pagerduty']).default('json'),
    /** PagerDuty integration key (format pagerduty). */
    routingKey: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if ((w.url === undefined) === (w.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'set exactly one of url and urlEnv' });
    }
    if (w.format === 'pagerduty' && !w.routingKey) {
      ctx.addIssue({ code: 'custom', path: ['routingKey'], message: 'format pagerduty needs a routingKey' });
    }
  });
/** An alert webhook after defaults. */
export type WebhookConfig = z.infer<typeof webhookSchema>;

const slasSchema = z
  .object({
    /** How often `slaCheck` runs (its own Temporal Schedule, made by `edp schedules apply`). */
    checkEveryMinutes: positiveInt.default(5),
    /** A run must finish within this many minutes of its interval's end. */
    latencyMinutes: positiveInt.optional(),
    /** The latest scored interval's lowest table quality score (0–100) must be at least this. */
    qualityScoreMin: z.number().min(0).max(100).optional(),
    /** Share of the intervals in the window that have a completed run. */
    availability: z
      .object({ percent: z.number().min(0).max(100), windowHours: positiveInt.default(24) })
      .strict()
      .optional(),
    /** Newest value of `column` in `table` must be at most `maxMinutes` old. */
    freshness: z
      .array(
        z
          .object({
            table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected schema.table'),
            column: identifier,
            maxMinutes: positiveInt,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .default({});
/** The pipeline's SLAs after defaults. */
export type SlaConfig = z.infer<typeof slasSchema>;

/** A landing-file entity after defaults. */
export type EntityConfig = z.infer<typeof entitySchema>;

/** One table extracted from a SQL source into `raw.<target>`. */
export const sqlTableSchema = z
  .object({
    /** Table in the source. */
    name: identifier,
    schema: identifier.default('public'),
    /** Raw table it lands in; default `<source>_<name>`. */
    target: identifier.optional(),
    /** `incremental`: rows whose watermark is above the last committed one; `full`: the whole table, replacing raw. */
    mode: z.enum(['incremental', 'full']),
    /** Column whose growing value marks new and changed rows (incremental mode). */
    watermark: identifier.optional(),
    columns: z
      .record(identifier, columnTypeSchema)
      .refine((c) => Object.keys(c).length > 0, 'needs at least one column'),
    required: z.array(identifier).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.mode === 'incremental' && !t.watermark)
      ctx.addIssue({ code: 'custom', path: ['watermark'], message: 'incremental tables need a watermark column' });
    if (t.watermark && !(t.watermark in t.columns))
      ctx.addIssue({
        code: 'custom',
        path: ['watermark'],
        message: `"${t.watermark}" is not one of the table's columns`,
      });
  });
/** A SQL-source table after defaults. */
export type SqlTableConfig = z.infer<typeof sqlTableSchema>;

/** An operational SQL database the batch ingest extracts from. */
export const sqlSourceSchema = z
  .object({
    name: identifier,
    kind: z.enum(['postgres']),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5432),
    database: identifier,
    user: z.string().min(1).default('edp'),
    /** Name of the environment variable holding the password (never the password itself). */
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    tables: z.array(sqlTableSchema).min(1),
  })
  .strict();
/** A SQL source after defaults. */
export type SqlSourceConfig = z.infer<typeof sqlSourceSchema>;

/** The whole EDP configuration: what `edp.config.yaml` plus `EDP_*` environment overrides must satisfy. */
export const configSchema = z
  .object({
    /** Folder for everything the platform writes locally (warehouse file, landing zone, exports, services). */
    stateDir: z.string().min(1).default('.edp'),
    pipeline: z
      .object({
        name: identifier.default('platform'),
        intervalHours: positiveInt.max(24).default(4),
        /** How batch ingest spreads its work. */
        ingest: z
          .object({
            /** Files (and SQL tables) loading at once. */
            maxParallel: positiveInt.max(64).default(4),
            /** Above this many files in one interval, batches of this size load in child workflows. */
            filesPerChild: positiveInt.default(200),
          })
          .strict()
          .default({}),
        /** Seconds without a heartbeat after which an activity's worker is presumed dead and it is retried. */
        heartbeatSeconds: positiveInt.default(30),
        /**
         * Exponential-backoff retry policy per activity class (`ingest`, `transform`, `quality`, `export`,
         * `sla`); `default` applies where a class sets nothing. A step that exhausts its attempts fails the
         * run and is recorded in `audit.dead_letters`.
         */
        retries: z
          .object({
            default: retryPolicySchema.default({}),
            ingest: retryPolicySchema.partial().optional(),
            transform: retryPolicySchema.partial().optional(),
            quality: retryPolicySchema.partial().optional(),
            export: retryPolicySchema.partial().optional(),
            /** The next check comes soon anyway. */
            sla: retryPolicySchema.partial().default({ maxAttempts: 3 }),
          })
          .strict()
          .default({}),
        sensor: z
          .object({ pokeMinutes: positiveInt.default(10), timeoutMinutes: positiveInt.default(240) })
          .strict()
          .default({}),
        /** The Temporal Schedule `edp schedules apply` creates: one run per interval. */
        schedule: z
          .object({
            /** What to do when a run is due while the previous one still runs. */
            overlap: z.enum(['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'allowAll']).default('bufferOne'),
            /** After an outage, due runs older than this are skipped instead of caught up. */
            catchupWindowMinutes: positiveInt.default(24 * 60),
            /** Minutes after the interval end at which its run starts, so late files have landed. */
            offsetMinutes: z.number().int().nonnegative().default(0),
            /** Create the schedule paused (runs only on trigger or backfill). */
            paused: z.boolean().default(false),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    temporal: z
      .object({
        address: hostPort.default('127.0.0.1:7233'),
        namespace: z.string().min(1).default('default'),
        uiUrl: z.string().url().default('http://127.0.0.1:8233'),
        /**
         * Key set that encrypts every payload Temporal stores (AES-256-GCM); the EDP_PAYLOAD_KEYS variable
         * takes precedence. Unset and no variable: payloads are stored as plain JSON.
         */
        payloadKeyFile: z.string().min(1).optional(),
        /** Loopback port of `edp codec-server`, which decodes payloads for the Web UI. */
        codecPort: z.number().int().min(0).max(65535).default(8089),
        taskQueues: z
          .object({
            workflows: z.string().min(1).default('edp-workflows'),
            warehouse: z.string().min(1).default('edp-warehouse'),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    warehouse: z
      .object({
        /** `duckdb` (embedded, the default) or `snowflake` (see docs/snowflake.md for what runs there yet). */
        engine: z.enum(['duckdb', 'snowflake']).default('duckdb'),
        /** Snowflake connection; secrets come from the environment or files, never from this file. */
        snowflake: z
          .object({
            account: z.string().min(1),
            user: z.string().min(1),
            database: z.string().min(1),
            schema: z.string().min(1).default('PUBLIC'),
            warehouse: z.string().min(1).optional(),
            role: z.string().min(1).optional(),
            /** Environment variable holding the password (password auth). */
            passwordEnv: z.string().min(1).default('SNOWFLAKE_PASSWORD'),
            /** File holding the password (a mounted secret), instead of `passwordEnv`. */
            passwordFile: z.string().min(1).optional(),
            /** PEM private key file for key-pair auth (preferred for service users). */
            privateKeyFile: z.string().min(1).optional(),
            /** Environment variable holding the PEM private key, instead of `privateKeyFile`. */
            privateKeyEnv: z.string().min(1).optional(),
            /** Environment variable holding the passphrase of an encrypted private key. */
            privateKeyPassphraseEnv: z.string().min(1).optional(),
            /** File holding the passphrase of an encrypted private key, instead of `privateKeyPassphraseEnv`. */
            privateKeyPassphraseFile: z.string().min(1).optional(),
            /** Another endpoint than https://<account>.snowflakecomputing.com (e.g. the local fakesnow server). */
            accessUrl: z.string().url().optional(),
            /** Connections in the worker's pool at most. */
            poolMax: positiveInt.default(4),
            /**
             * An external S3 stage for bulk loads instead of the internal `EDP_STAGE.LANDING` (e.g. where
             * PUT is not allowed). Files are written with the AWS default credentials; see docs/snowflake.md.
             */
            stage: z
              .object({
                /** The stage, created beforehand on `url` with a storage integration. */
                name: z.string().regex(SNOWFLAKE_STAGE_NAME, 'expected schema.stage or database.schema.stage'),
                /** Where the stage points. */
                url: z.string().regex(S3_URL, 'expected s3://bucket/prefix/ (only S3 stages are supported)'),
                /** The bucket's region; default from the AWS environment. */
                region: z.string().min(1).optional(),
                /** An S3-compatible endpoint instead of AWS (path-style), e.g. a local S3. */
                endpoint: z.string().url().optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        duckdb: z
          .object({
            path: z.string().min(1).default('warehouse.duckdb'),
            threads: positiveInt.optional(),
            memoryLimit: z
              .string()
              .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size such as 4GB')
              .optional(),
            /**
             * WAL size that triggers a checkpoint. DuckDB's 16MB would checkpoint after nearly every file
             * load; larger means fewer, bigger checkpoints and a longer WAL replay after a crash.
             */
            checkpointThreshold: z
              .string()
              .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size such as 256MB')
              .default('256MB'),
            /** Loopback port where the worker answers `edp query` while it holds the DuckDB file. */
            queryPort: z.number().int().min(0).max(65535).default(8299),
          })
          .strict()
          .default({}),
      })
      .strict()
      .refine((w) => w.engine !== 'snowflake' || w.snowflake !== undefined, {
        message: 'engine snowflake needs warehouse.snowflake (account, user, database, …)',
        path: ['snowflake'],
      })
      .refine((w) => !(w.snowflake?.privateKeyFile && w.snowflake.privateKeyEnv), {
        message: 'set privateKeyFile or privateKeyEnv, not both',
        path: ['snowflake', 'privateKeyEnv'],
      })
      .refine((w) => !(w.snowflake?.privateKeyPassphraseFile && w.snowflake.privateKeyPassphraseEnv), {
        message: 'set privateKeyPassphraseFile or privateKeyPassphraseEnv, not both',
        path: ['snowflake', 'privateKeyPassphraseEnv'],
      })
      .default({}),
    landing: z
      .object({
        path: z.string().min(1).default('landing'),
        entities: z.array(entitySchema).default([]),
      })
      .strict()
      .default({}),
    /** Operational SQL databases extracted into `raw` by every pipeline run. */
    sources: z.array(sqlSourceSchema).default([]),
    kafka: z
      .object({
        brokers: z.array(hostPort).min(1).default(['127.0.0.1:9092']),
        clientId: z.string().min(1).default('edp'),
      })
      .strict()
      .default({}),
    /** Kafka topics ingested continuously into `raw.<table>` (exactly once) and merged into `staging.<table>`. */
    streaming: z
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
      .default({}),
    /** The worker's Prometheus endpoint: Temporal SDK metrics and the platform's own (`edp_*`). */
    metrics: z
      .object({
        /** Port on 127.0.0.1 serving `/metrics`; 0 turns the endpoint off. */
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .default({}),
    /** The worker's log lines (stderr). */
    logging: z
      .object({
        /** `text` for people, `json` (one object per line, with workflow and run ids) for log shippers. */
        format: z.enum(['text', 'json']).default('text'),
        /** Lowest level logged; EDP_LOG_LEVEL overrides it. Activity events are INFO. */
        level: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
      })
      .strict()
      .default({}),
    /** Where alerts go: webhooks receiving JSON, Slack-compatible or PagerDuty (Events v2) bodies. */
    alerts: z
      .object({
        webhooks: z.array(webhookSchema).default([]),
      })
      .strict()
      .default({}),
    /** The pipeline's service levels; a check every `checkEveryMinutes` records breaches and alerts once per breach. */
    slas: slasSchema,
    /** Near-real-time objects (docs/realtime.md): integration views, curation tables within a target lag, consumption views. */
    realtime: realtimeSchema,
    transform: z
      .object({
        /** The dbt project the transform runs (dbt_project.yml inside); relative to the config file's folder. */
        projectDir: z.string().min(1).default('models'),
        /** Schema for models that set none (dbt's `target.schema`). */
        targetSchema: z.string().min(1).default('main'),
        /** Nodes built at once (dbt's `threads`). */
        threads: z.number().int().min(1).max(64).default(4),
      })
      .strict()
      .default({}),
    quality: z
      .object({
        /** Folder of the data-quality rule files; relative to the config file's folder. */
        rulesDir: z.string().min(1).default('quality/rules'),
      })
      .strict()
      .default({}),
    export: z
      .object({
        path: z.string().min(1).default('export'),
        /** Marts to publish: a name (overwrite mode) or `{ name, mode }`. */
        marts: z
          .array(
            z.union([
              identifier.transform((name) => ({ name, mode: 'overwrite' as const })),
              z.object({ name: identifier, mode: exportModeSchema.default('overwrite') }).strict(),
            ]),
          )
          .default([]),
      })
      .strict()
      .default({}),
    services: z
      .object({
        /** Folder where infra/ installs the Temporal and Kafka binaries; shared by every checkout. */
        cacheDir: z.string().min(1).optional(),
        temporal: z
          .object({
            uiPort: z.number().int().min(1).max(65535).default(8233),
            dbFile: z.string().min(1).default('services/temporal.sqlite'),
          })
          .strict()
          .default({}),
        kafka: z
          .object({ controllerPort: z.number().int().min(1).max(65535).default(9093) })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The configuration as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated configuration, with defaults applied and relative paths resolved. */
export type EdpConfig = z.infer<typeof configSchema>;
