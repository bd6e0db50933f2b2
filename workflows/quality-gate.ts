import { workflowInfo } from '@temporalio/workflow';
import type { LineageEventInput, LineageRunRef } from '../activities/lineage';
import type { RuleResult, TableQualityResult } from '../activities/quality';
import type { DataInterval } from '../lib/intervals';
import { errorClassOf } from './failure-info';
import { lineageEmitter } from './lineage-emitter';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link qualityGate}. */
export interface QualityGateInput {
  interval?: DataInterval;
  steps: StepOptions;
  /** Only the rule files for these tables (`schema.table`); all when omitted. */
  tables?: string[];
  /** Run id the results are recorded under. @default the workflow id */
  runId?: string;
  /** The pipeline step run this gate is (OpenLineage parent of its table checks); a standalone run reports itself. */
  lineage?: LineageRunRef;
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

/** Each table's check as a child run of `parent`: START when the gate started, COMPLETE with its rules as assertions. */
function tableLineageEvents(
  tables: readonly TableQualityResult[],
  parent: LineageRunRef,
  startedMs: number,
): LineageEventInput[] {
  return tables.flatMap((t) => {
    const run = { job: `${parent.job}.${t.table}`, runKey: `${parent.runKey}/${t.table}` };
    const io = { kind: 'quality-table' as const, table: t.table, rows: t.rows };
    return [
      {
        eventType: 'START' as const,
        eventTime: new Date(startedMs).toISOString(),
        run,
        parent,
        io: { ...io, rules: [] },
      },
      {
        eventType: 'COMPLETE' as const,
        eventTime: new Date().toISOString(),
        run,
        parent,
        io: { ...io, rules: t.results.map((r) => ({ rule: r.rule, type: r.type, passed: r.passed })) },
      },
    ];
  });
}

/** Runs the rule files (one activity per table, in parallel) and decides whether the export may publish. */
export async function qualityGate(input: QualityGateInput): Promise<QualityGateResult> {
  const lineage = lineageEmitter(input.steps);
  const info = workflowInfo();
  const startedMs = Date.now();
  // Inside a pipeline the pipeline reports this step's run; a standalone run (`edp quality run`) reports its own.
  const own: LineageRunRef | undefined =
    lineage.on && !input.lineage ? { job: 'quality', runKey: `${info.workflowId}/${info.runId}` } : undefined;
  const ownEvent = (eventType: LineageEventInput['eventType'], errorClass?: string): LineageEventInput[] =>
    own ? [{ eventType, eventTime: new Date().toISOString(), run: own, interval: input.interval, errorClass }] : [];
  lineage.emit(ownEvent('START'));
  let tables: TableQualityResult[];
  try {
    tables = await runRuleFiles(input);
  } catch (err) {
    lineage.emit(ownEvent('FAIL', errorClassOf(err)));
    await lineage.flush();
    throw err;
  }
  const parent = input.lineage ?? own;
  if (parent) lineage.emit(tableLineageEvents(tables, parent, startedMs));
  lineage.emit(ownEvent('COMPLETE'));
  await lineage.flush();
  return verdict(tables, input.runId ?? info.workflowId);
}

/** Every rule file's results, one activity per table, four at a time. */
async function runRuleFiles(input: QualityGateInput): Promise<TableQualityResult[]> {
  const acts = warehouseActivities(input.steps, 'quality');
  const runId = input.runId ?? workflowInfo().workflowId;
  const files = await acts.listQualityRuleFiles({ tables: input.tables });
  return mapBounded(files, 4, (f) => acts.runQualityRuleFile({ file: f.file, runId, interval: input.interval }));
}

/** The gate's verdict over the tables' results. */
function verdict(tables: readonly TableQualityResult[], runId: string): QualityGateResult {
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
