import { workflowInfo } from '@temporalio/workflow';
import type { CheckResult } from '../activities/quality';
import type { DataInterval } from '../lib/intervals';
import { warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link qualityGate}. */
export interface QualityGateInput {
  interval: DataInterval;
  steps: StepOptions;
}

/** The gate's verdict: `passed` is false when an error-severity check failed. */
export interface QualityGateResult {
  passed: boolean;
  checks: number;
  warnings: CheckResult[];
  blocking: CheckResult[];
}

/** Runs the rule files for the interval and decides whether the export may publish. */
export async function qualityGate(input: QualityGateInput): Promise<QualityGateResult> {
  const acts = warehouseActivities(input.steps);
  const run = await acts.runQualityChecks({ interval: input.interval, runId: workflowInfo().workflowId });
  return {
    passed: run.blocking.length === 0,
    checks: run.results.length,
    warnings: run.results.filter((r) => !r.passed && r.severity === 'warn'),
    blocking: run.blocking,
  };
}
