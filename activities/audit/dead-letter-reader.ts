import { epochMsOf, isoInstant, isoSecond, type AuditSource } from './audit-source';
import { DEAD_LETTERS } from './dead-letter-tables';

/** A recorded failed pipeline run. */
export interface DeadLetterRecord {
  runId: string;
  workflowId: string;
  pipeline: string;
  /** The run's data interval, ISO-8601 UTC to the second. */
  intervalStart: string;
  intervalEnd: string;
  /** The step that failed: ingest, transform, quality or export. */
  step: string;
  stepWorkflowId: string;
  /** The failure and its causes, outermost first. */
  error: string;
  /** When it was recorded, ISO-8601 UTC. */
  failedAt: string;
}

/** The dead letters of a pipeline, oldest first. */
export async function readDeadLetters(src: AuditSource, pipeline: string): Promise<DeadLetterRecord[]> {
  const d = src.dialect;
  const rows = await src.query(
    `SELECT run_id, workflow_id, pipeline, step, step_workflow_id, error, ${epochMsOf(d, 'interval_start')},
       ${epochMsOf(d, 'interval_end')}, ${epochMsOf(d, 'failed_at')}
     FROM ${d.table(DEAD_LETTERS.ref)} WHERE pipeline = ${d.literal(pipeline)} ORDER BY failed_at`,
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    workflowId: String(r.workflow_id),
    pipeline: String(r.pipeline),
    intervalStart: isoSecond(r.interval_start_ms) ?? '',
    intervalEnd: isoSecond(r.interval_end_ms) ?? '',
    step: String(r.step),
    stepWorkflowId: String(r.step_workflow_id),
    error: String(r.error),
    failedAt: isoInstant(r.failed_at_ms) ?? '',
  }));
}
