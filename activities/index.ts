import { join } from 'node:path';
import { createAlertActivities, type IncidentDeps } from './alerts';
import { createDeadLetterActivities } from './dead-letters';
import { classifiedActivities } from './errors';
import { createExportActivities } from './export';
import { createExtractActivities, createIngestActivities } from './ingest';
import { createLineageActivities } from './lineage';
import { createQualityActivities } from './quality';
import { createRealtimeActivities } from './realtime';
import { createSlaActivities, type SlaDeps } from './sla';
import { createSqlStepActivities } from './sql-step';
import { createTransformActivities } from './transform';
import type { Warehouse } from './warehouse';
import type {
  DuplicateFiles,
  EntityConfig,
  GovernanceConfig,
  KafkaConfig,
  LineageConfig,
  RealtimeConfig,
  S3Config,
  SlaConfig,
  SqlSourceConfig,
  StreamingConfig,
  WebhookConfig,
} from '../lib/config/schema';
import {
  createStreamBackfillActivities,
  createStreamIngestActivities,
  createStreamMonitorActivities,
} from './streaming';

/** Everything the warehouse activities need; the worker builds it from config. */
export interface ActivityDeps {
  warehouse: Warehouse;
  landingDir: string;
  /** How `s3://` landing and export paths are reached (`s3`). */
  s3?: S3Config;
  entities: readonly EntityConfig[];
  /** `landing.duplicateFiles`. */
  duplicateFiles?: DuplicateFiles;
  sources: readonly SqlSourceConfig[];
  /** Where SQL-source extracts are staged before their bulk load. */
  extractDir: string;
  /** The dbt project the transform runs by default, and its `target`. */
  projectDir: string;
  target?: { schema?: string; threads?: number; type?: string };
  /** Where this worker caches dbt manifests planned by other workers. */
  manifestCacheDir?: string;
  rulesDir: string;
  exportDir: string;
  pipeline: { name: string; intervalHours: number };
  slas: SlaConfig;
  /** The declared pipelines' SLAs (`pipelines[].sla`). */
  pipelineSlas?: SlaDeps['pipelineSlas'];
  webhooks: readonly WebhookConfig[];
  /** The pipeline's runs from Temporal's visibility (for latency and availability SLAs). */
  listRuns?: SlaDeps['listRuns'];
  /** A stream consumer workflow's Temporal status, for the streaming monitor's dead-consumer check. */
  consumerStatus?: (workflowId: string) => Promise<string | undefined>;
  kafka: KafkaConfig;
  streaming: StreamingConfig;
  realtime: RealtimeConfig;
  /** The connection's compute warehouse (Snowflake), where `realtime.warehouse` is unset. */
  defaultComputeWarehouse?: string;
  /** PHI governance (masking, row access, secure views) applied after each model's build. */
  governance?: GovernanceConfig;
  /** Alert routes and the console link (`alerts`), and the Temporal Web UI the alerts link to. */
  alerts: IncidentDeps['alerts'];
  alertLinks: IncidentDeps['links'];
  /** Where OpenLineage events go (`lineage`), and the namespace of the warehouse's datasets. */
  lineage: LineageConfig;
  lineageWarehouse: { namespace: string; database?: string };
}

/** All activities of the platform, closed over their clients, each behind the error boundary. */
export function createActivities(deps: ActivityDeps) {
  return classifiedActivities({
    ...createIngestActivities(deps),
    ...createExtractActivities(deps),
    ...createTransformActivities(deps),
    ...createQualityActivities(deps),
    ...createExportActivities(deps),
    ...createSlaActivities(deps),
    ...createDeadLetterActivities(deps),
    ...createStreamIngestActivities(deps),
    ...createStreamMonitorActivities(deps),
    ...createStreamBackfillActivities(deps),
    ...createRealtimeActivities(deps),
    ...createSqlStepActivities(deps),
    ...createAlertActivities({ warehouse: deps.warehouse, alerts: deps.alerts, links: deps.alertLinks }),
    ...createLineageActivities({
      warehouse: deps.warehouse,
      lineage: deps.lineage,
      places: {
        warehouse: deps.lineageWarehouse,
        landingDir: deps.landingDir,
        entities: deps.entities,
        sources: deps.sources,
        exportDir: deps.exportDir,
        kafkaBrokers: deps.kafka.brokers,
        topics: deps.streaming.topics,
      },
      manifestCacheDir: deps.manifestCacheDir ?? join(deps.projectDir, 'target', 'manifests'),
    }),
  });
}

/** The activity interface workflows proxy (type-only import in workflows/). */
export type Activities = ReturnType<typeof createActivities>;
