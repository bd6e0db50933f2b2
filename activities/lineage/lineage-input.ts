import type { DataInterval } from '../../lib/intervals';
import type { ManifestRef } from '../transform/manifest-store';

/** The run state transitions the platform reports (OpenLineage `eventType`). */
export type LineageEventType = 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';

/** A run as events name it: its job, and a key the activity turns into the run's UUID (same key, same UUID). */
export interface LineageRunRef {
  /** Job name within `lineage.namespace`, e.g. `platform`, `platform.transform`, `platform.transform.model.edp.stg_claims`. */
  job: string;
  runKey: string;
}

/** A dbt test's outcome, as a data-quality assertion on the dataset it tests. */
export interface LineageTestOutcome {
  id: string;
  passed: boolean;
}

/** What a run read and wrote, as the workflow knows it: references and counts, never rows. */
export type LineageIo =
  /** Landing entities and SQL-source tables into their raw tables (the worker's config names them). */
  | { kind: 'ingest' }
  /** A Kafka topic into its raw and staging tables (a stream consumer, a streaming job). */
  | { kind: 'stream'; topic: string }
  /** Marts into their Delta exports. */
  | { kind: 'export'; marts: string[] }
  /** One dbt node of a planned manifest; `rows` built (models) once it finished. */
  | { kind: 'dbt-node'; manifest: ManifestRef; nodeId: string; rows?: number; passed?: boolean }
  /** One table's quality rules: each rule an assertion on the table. */
  | {
      kind: 'quality-table';
      table: string;
      rows: number;
      rules: Array<{ rule: string; type: string; passed: boolean; column?: string }>;
    };

/** One OpenLineage run event, as a workflow asks for it. */
export interface LineageEventInput {
  eventType: LineageEventType;
  /** When it happened (workflow time, so replays agree). */
  eventTime: string;
  run: LineageRunRef;
  /** The run that started this one (the pipeline run of a step, the step run of a dbt node). */
  parent?: LineageRunRef;
  /** The data interval a pipeline run or step covers (the nominal time facet). */
  interval?: DataInterval;
  io?: LineageIo;
  /** A failed run's error class (`EdpBadSql`, `ActivityFailure`): never its message, which may quote row values. */
  errorClass?: string;
}

/** Input of `emitLineage`. */
export interface EmitLineageInput {
  events: LineageEventInput[];
}

/** What `emitLineage` did; it never fails the workflow that called it. */
export interface EmitLineageResult {
  emitted: number;
  /** Events that could not be delivered (logged, without their content). */
  dropped: number;
}
