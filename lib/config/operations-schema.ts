import { z } from 'zod';
import { port } from './primitives';

/** The `metrics` section: the worker's Prometheus endpoint (Temporal SDK metrics and the platform's own `edp_*`). */
export const metricsSchema = z
  .object({
    /** Port on 127.0.0.1 serving `/metrics`; 0 turns the endpoint off. */
    port: port.default(9464),
  })
  .strict()
  .default({});

/** The `logging` section: the worker's log lines (stderr). */
export const loggingSchema = z
  .object({
    /** `text` for people, `json` (one object per line, with workflow and run ids) for log shippers. */
    format: z.enum(['text', 'json']).default('text'),
    /** Lowest level logged; EDP_LOG_LEVEL overrides it. Activity events are INFO. */
    level: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  })
  .strict()
  .default({});

/** The `services` section: where infra/ installs the local services and their ports and files. */
export const servicesSchema = z
  .object({
    /** Folder where infra/ installs the Temporal and Kafka binaries; shared by every checkout. */
    cacheDir: z.string().min(1).optional(),
    temporal: z
      .object({
        uiPort: z.number().int().min(1).max(65535).default(8233),
        dbFile: z.string().min(1).default('services/temporal.sqlite'),
        /**
         * What `edp up` starts: `dev` (`temporal server start-dev`: one process, SQLite) or `cluster` (the
         * Temporal server's frontend, history, matching and worker as separate processes on PostgreSQL, the
         * frontend taking mTLS only; docs/deploy.md#self-hosted-temporal-cluster). `edp up --cluster` picks it once.
         */
        server: z.enum(['dev', 'cluster']).default('dev'),
        cluster: z
          .object({
            /** Loopback port of the cluster's own PostgreSQL (databases `temporal` and `temporal_visibility`). */
            postgresPort: port.default(5442),
            /** Folder of the CA, frontend and client certificates; a local CA is made there when it is empty. */
            pkiDir: z.string().min(1).default('services/temporal-cluster/pki'),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    kafka: z
      .object({ controllerPort: z.number().int().min(1).max(65535).default(9093) })
      .strict()
      .default({}),
  })
  .strict()
  .default({});
