import type { SlaCheckResult } from '../activities/sla';
import { warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link slaCheck}. */
export interface SlaCheckInput {
  steps: StepOptions;
}

/**
 * Evaluates the pipeline's SLAs once: records the check, opens and closes breaches, alerts once per
 * breach and recovery. Its own Temporal Schedule runs it every `slas.checkEveryMinutes`.
 */
export async function slaCheck(input: SlaCheckInput): Promise<SlaCheckResult> {
  return warehouseActivities(input.steps, 'sla').checkSlas();
}
