import { classified } from '../errors';
import { ensureOnce, ensureSchema, type Warehouse } from '../warehouse';

/** A pipeline run that failed: what to retry (its interval) and why it failed. */
export interface DeadLetter {
  pipeline: string;
  intervalStart: string;
  intervalEnd: string;
  /** The step that failed: ingest, transform, quality or export. */
  step: string;
  /** The failed step's child workflow id (open it in the Web UI for the full failure). */
  stepWorkflowId: string;
  workflowId: string;
  runId: string;
  /** The failure and its causes, outermost first. */
  error: string;
}

/** The table of dead letters. */
export const DEAD_LETTERS = 'audit.dead_letters';

/** Builds the dead-letter activity. */
export function createDeadLetterActivities(deps: { warehouse: Warehouse }) {
  const w = deps.warehouse;
  return {
    /** Records a failed run once (keyed by its run id, so a retried recording adds nothing). */
    async recordDeadLetter(letter: DeadLetter): Promise<void> {
      await classified('recording a dead letter', async () => {
        await ensureSchema(w, 'audit');
        await ensureOnce(w, DEAD_LETTERS, () =>
          w.execute(`CREATE TABLE IF NOT EXISTS ${DEAD_LETTERS} (
            run_id VARCHAR, workflow_id VARCHAR, pipeline VARCHAR, interval_start TIMESTAMPTZ, interval_end TIMESTAMPTZ,
            step VARCHAR, step_workflow_id VARCHAR, error VARCHAR, failed_at TIMESTAMPTZ)`),
        );
        await w.transaction(async (tx) => {
          const [seen] = await tx.query(`SELECT 1 AS seen FROM ${DEAD_LETTERS} WHERE run_id = ?`, [letter.runId]);
          if (seen) return;
          await tx.execute(
            `INSERT INTO ${DEAD_LETTERS} VALUES (?, ?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?, ?, ?, ${w.dialect.now()})`,
            [
              letter.runId,
              letter.workflowId,
              letter.pipeline,
              letter.intervalStart,
              letter.intervalEnd,
              letter.step,
              letter.stepWorkflowId,
              letter.error,
            ],
          );
        });
      });
    },
  };
}
