import { classified } from '../errors';
import { DEAD_LETTERS as TABLE, ensureAudit } from '../audit';
import type { Warehouse } from '../warehouse';

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

const DEAD_LETTERS = TABLE.name;

/** Builds the dead-letter activity. */
export function createDeadLetterActivities(deps: { warehouse: Warehouse }) {
  const w = deps.warehouse;
  return {
    /** Records a failed run once (keyed by its run id, so a retried recording adds nothing). */
    async recordDeadLetter(letter: DeadLetter): Promise<void> {
      await classified('recording a dead letter', async () => {
        await ensureAudit(w);
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
