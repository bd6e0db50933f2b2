import { readLatestQualityRunId, readQualityRun } from '../activities/audit';
import type { EdpConfig } from '../workers/config-schema';
import { qualityRunWorkflowId } from '../lib/ids';
import type { DataInterval } from '../lib/intervals';
import { qualityGateInput, startOptions } from '../workers/workflow-inputs';
import { qualityGate } from '../workflows';
import type { QualityGateResult } from '../workflows/quality-gate';
import { num, table } from './output';
import { temporalClient, UsageError, withWarehouseReader, withWorker } from './session';
import { webUiLink } from './pipeline-run';
import { interruptibleWait } from './run-wait';

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

/** Prints a gate result: scores per table, then every failed rule with its sample keys. */
export function printGateResult(r: QualityGateResult): void {
  console.log(
    table(
      r.scores.map((s) => ({
        table: s.table,
        'rows checked': num(s.rows),
        invalid: num(s.invalidRows),
        quarantined: num(s.quarantined),
        score: `${s.score.toFixed(2)}%`,
      })),
    ),
  );
  const failed = [...r.blocking, ...r.warnings];
  if (failed.length > 0) {
    console.log('');
    console.log(
      table(
        failed.map((f) => ({
          severity: f.severity,
          table: f.table,
          rule: f.rule,
          result: f.message,
          'sample keys': f.sampleKeys.join(', '),
        })),
      ),
    );
  }
  console.log(
    `\n${r.checks} rules: ${r.passed ? 'PASSED' : 'FAILED'} (${r.blocking.length} errors, ${r.warnings.length} warnings), run ${r.runId}`,
  );
}

/** `edp quality run`: runs the gate as a workflow (durable, visible in the Web UI); exit 1 when an error-severity rule fails. */
export async function qualityRun(
  config: EdpConfig,
  tables: string[],
  interval: DataInterval | undefined,
  log: (m: string) => void,
): Promise<number> {
  const bad = tables.filter((t) => !TABLE_NAME.test(t));
  if (bad.length > 0) throw new UsageError(`--table takes schema.table, got ${bad.join(', ')}`);
  const workflowId = qualityRunWorkflowId(new Date());
  let started = false;
  const result = await interruptibleWait(
    config,
    () => (started ? [workflowId] : []),
    () =>
      withWorker(
        config,
        async () => {
          const { client, close } = await temporalClient(config);
          try {
            const handle = await client.workflow.start(
              qualityGate,
              startOptions(config, workflowId, qualityGateInput(config, { interval, tables })),
            );
            started = true;
            log(`running ${workflowId}: ${webUiLink(config, workflowId, handle.firstExecutionRunId)}`);
            return await handle.result();
          } finally {
            await close();
          }
        },
        log,
      ),
  );
  printGateResult(result);
  return result.passed ? 0 : 1;
}

/** `edp quality report`: the results of one run (default the latest) from the audit tables; exit 1 when it failed. */
export async function qualityReport(config: EdpConfig, runId: string | undefined): Promise<number> {
  if (runId !== undefined && !/^[A-Za-z0-9_:.-]+$/.test(runId))
    throw new UsageError(`--run "${runId}" is not a run id`);
  const report = await withWarehouseReader(config, async (reader) => {
    // No results table yet reads as no run yet.
    const run = runId ?? (await readLatestQualityRunId(reader).catch(() => undefined));
    return run === undefined ? undefined : readQualityRun(reader, run);
  });
  if (!report) {
    console.log('no quality results yet: run the pipeline or `edp quality run`');
    return 0;
  }
  if (report.rules.length === 0) {
    console.log(`no quality results for run ${report.runId}`);
    return 1;
  }
  const scores = report.scores.map((s) => ({
    table: s.table,
    checked: s.checkedTable,
    'rows checked': s.rows,
    invalid: s.invalidRows,
    quarantined: s.quarantinedRows,
    score: `${s.score.toFixed(2)}%`,
  }));
  const rules = report.rules.map((r) => ({
    table: r.table,
    rule: r.rule,
    severity: r.severity,
    result: r.passed ? 'pass' : 'FAIL',
    message: r.message,
    'sample keys': r.sampleKeys.length > 0 ? JSON.stringify(r.sampleKeys) : '',
  }));
  console.log(`Quality run ${report.runId}\n\n${table(scores)}\n\n${table(rules)}`);
  const failedErrors = report.rules.filter((r) => !r.passed && r.severity === 'error').length;
  console.log(`\n${rules.length} rules, ${failedErrors} error-severity failures`);
  return failedErrors > 0 ? 1 : 0;
}
