import { z } from 'zod';
import { alertsSchema } from './alerts-schema';
import { cdcSchema } from './cdc-schema';
import { checkGovernanceEntities, governanceSchema } from './governance-schema';
import { landingSchema } from './landing-schema';
import { lineageSchema } from './lineage-schema';
import { loggingSchema, metricsSchema, servicesSchema } from './operations-schema';
import { pipelineSchema } from './pipeline-schema';
import { checkPipelines } from './pipelines-check';
import { pipelinesSchema } from './pipelines-schema';
import { exportSchema, qualitySchema, transformSchema } from './project-schema';
import { realtimeSchema } from './realtime-schema';
import { slasSchema } from './sla-schema';
import { sourcesSchema } from './sources-schema';
import { checkStreamedTables } from './streamed-tables-check';
import { kafkaSchema, streamingSchema } from './streaming-schema';
import { temporalSchema } from './temporal-schema';
import { workerSchema } from './worker-schema';
import { consoleSchema } from './console-schema';
import { s3Schema } from './s3-schema';

export { columnTypeSchema, decimalSpec, type ColumnType, type DecimalType, type LandingColumnType } from './primitives';
export { columnsByOf, entitySchema, type DuplicateFiles, type EntityConfig } from './landing-schema';
export {
  streamTopicSchema,
  type KafkaConfig,
  type StatusHistoryConfig,
  type StreamTopicConfig,
  type StreamingConfig,
} from './streaming-schema';
export type { PipelineConfig, RetryPolicyConfig } from './pipeline-schema';
export type { DeclaredPipelineConfig, PipelineStepConfig, TriggerConfig } from './pipelines-schema';
export { routeFor, webhookSchema, type AlertSeverity, type AlertsConfig, type WebhookConfig } from './alerts-schema';
export { lineageEnabled, type LineageConfig } from './lineage-schema';
export type { SlaConfig } from './sla-schema';
export { sqlSourceSchema, sqlTableSchema, type SqlSourceConfig, type SqlTableConfig } from './sources-schema';
export type { TlsConfig } from './tls-schema';
export { exportModeSchema, type ExportMode } from './project-schema';
export type { RealtimeConfig, RealtimeTableConfig } from './realtime-schema';
export type { GovernanceConfig, MaskStyle, RowAccessRule, SensitivityTag } from './governance-schema';
export { WORKER_ROLES, type WorkerConfig, type WorkerRole, type WorkerSlots } from './worker-schema';
export { LOOPBACK_HOSTS, type ConsoleConfig } from './console-schema';
export { DEFAULT_CDC_TABLES, HEARTBEAT_TABLE, type CdcConfig } from './cdc-schema';
export { isS3Location, parseS3Location, type S3Config } from './s3-schema';

/**
 * The whole configuration (`edp.config.yaml` plus `EDP_*` environment overrides) around a `warehouse`
 * section. Its engine sections belong to the engines (activities/warehouse/engines.ts), which lib cannot
 * import, so the caller that can (workers/config-schema.ts) passes the section in.
 */
export function edpConfigSchema<W extends z.ZodTypeAny>(warehouse: W) {
  return z
    .object({
      /** Folder for everything the platform writes locally (warehouse file, landing zone, exports, services). */
      stateDir: z.string().min(1).default('.edp'),
      pipeline: pipelineSchema,
      /** Pipelines declared as data (docs/pipelines.md), each run by the generic pipelineRun workflow. */
      pipelines: pipelinesSchema,
      temporal: temporalSchema,
      warehouse,
      landing: landingSchema,
      /** Operational SQL databases extracted into `raw` by every pipeline run. */
      sources: sourcesSchema,
      kafka: kafkaSchema,
      /** Kafka topics ingested continuously into `raw.<table>` (exactly once) and merged into `staging.<table>`. */
      streaming: streamingSchema,
      /** The worker's Prometheus endpoint: Temporal SDK metrics and the platform's own (`edp_*`). */
      metrics: metricsSchema,
      /** The worker's log lines (stderr). */
      logging: loggingSchema,
      /** Where alerts go: webhooks receiving JSON, Slack-compatible or PagerDuty (Events v2) bodies. */
      alerts: alertsSchema,
      /** The pipeline's service levels; a check every `checkEveryMinutes` records breaches and alerts once per breach. */
      slas: slasSchema,
      /** Near-real-time objects (docs/realtime.md): integration views, curation tables within a target lag, consumption views. */
      realtime: realtimeSchema,
      transform: transformSchema,
      quality: qualitySchema,
      export: exportSchema,
      services: servicesSchema,
      /** PHI tags, masking, row access and secure views on the warehouse (docs/security.md#governance). */
      governance: governanceSchema,
      /** What this worker process polls and how much it runs at once (docs/deploy.md#worker-roles). */
      worker: workerSchema,
      /** The operator web console (`edp console`, docs/console.md): address, sign-in, refresh. */
      console: consoleSchema,
      /** OpenLineage run events of every pipeline run, step and dbt node, to an endpoint or a file (docs/lineage.md). */
      lineage: lineageSchema,
      /** Change data capture from an operational PostgreSQL source through Debezium (docs/cdc.md). */
      cdc: cdcSchema.optional(),
      /** S3-compatible object storage behind every `s3://` path (`landing.path`, `export.path`; docs/deploy.md#object-storage). */
      s3: s3Schema,
    })
    .strict()
    .superRefine(checkGovernanceEntities)
    .superRefine(checkPipelines)
    .superRefine(checkStreamedTables);
}
