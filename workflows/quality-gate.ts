import { workflowInfo } from '@temporalio/workflow';
import type { RuleResult } from '../activities/quality';
import type { DataInterval } from '../lib/intervals';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link qualityGate}. */
export interface QualityGateInput {
  interval?: DataInterval;
  steps: StepOptions;
  /** Only the rule files for these tables (`schema.table`); all when omitted. */
  tables?: string[];
  /** Run id the results are recorded under. @default the workflow id */
  runId?: string;
}

/** A table's quality score in this run. */
export interface TableScore {
  table: string;
  rows: number;
  invalidRows: number;
  quarantined: number;
  score: number;
}

/** The gate's verdict: `passed` is false when an error-severity rule failed. */
export interface QualityGateResult {
  passed: boolean;
  runId: string;
  /** Rules evaluated. */
  checks: number;
  scores: TableScore[];
  /** Failed warn-severity rules: recorded and shown, not blocking. */
  warnings: RuleResult[];
  /** Failed error-severity rules, with sample offending keys: they block the export. */
  blocking: RuleResult[];
}

/** Runs the rule files (one activity per table, in parallel) and decides whether the export may publish. */
export async function qualityGate(input: QualityGateInput): Promise<QualityGateResult> {
  const acts = warehouseActivities(input.steps, 'quality');
  const runId = input.runId ?? workflowInfo().workflowId;
  const files = await acts.listQualityRuleFiles({ tables: input.tables });
  const tables = await mapBounded(files, 4, (f) =>
    acts.runQualityRuleFile({ file: f.file, runId, interval: input.interval }),
  );
  const results = tables.flatMap((t) => t.results);
  const blocking = results.filter((r) => !r.passed && r.severity === 'error');
  return {
    passed: blocking.length === 0,
    runId,
    checks: results.length,
    scores: tables.map(({ table, rows, invalidRows, quarantined, score }) => ({
      table,
      rows,
      invalidRows,
      quarantined,
      score,
    })),
    warnings: results.filter((r) => !r.passed && r.severity === 'warn'),
    blocking,
  };
}
