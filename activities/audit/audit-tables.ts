import type { AuditTable } from './audit-table';
import { ALERT_DELIVERIES, ALERT_INCIDENTS } from './alert-tables';
import { DEAD_LETTERS } from './dead-letter-tables';
import { EXPORT_MANIFEST } from './export-tables';
import { INGEST_LOAD_ID, INGEST_MANIFEST, SOURCE_WATERMARKS } from './ingest-tables';
import { SCHEMA_CHANGES } from './schema-change-tables';
import { QUALITY_RULE_RESULTS, QUALITY_SCORES } from './quality-tables';
import { REALTIME_STATE } from './realtime-tables';
import { SLA_ALERTS_SENT, SLA_BREACHES, SLA_CHECKS } from './sla-tables';
import { STREAM_MERGED, STREAM_METRICS, STREAM_OFFSETS } from './streaming-tables';
import { TRANSFORM_MANIFESTS, TRANSFORM_NODE_RUNS } from './transform-tables';

/** Every audit table of the current schema version. */
export const AUDIT_TABLES: readonly AuditTable[] = Object.freeze([
  INGEST_MANIFEST,
  SOURCE_WATERMARKS,
  EXPORT_MANIFEST,
  QUALITY_RULE_RESULTS,
  QUALITY_SCORES,
  SLA_CHECKS,
  SLA_BREACHES,
  SLA_ALERTS_SENT,
  STREAM_OFFSETS,
  STREAM_MERGED,
  STREAM_METRICS,
  TRANSFORM_NODE_RUNS,
  REALTIME_STATE,
  DEAD_LETTERS,
  SCHEMA_CHANGES,
  TRANSFORM_MANIFESTS,
  ALERT_INCIDENTS,
  ALERT_DELIVERIES,
]);

/** Every audit sequence of the current schema version. */
export const AUDIT_SEQUENCES = Object.freeze([INGEST_LOAD_ID]);
