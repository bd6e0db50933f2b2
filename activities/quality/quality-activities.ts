import { ApplicationFailure } from '@temporalio/common';
import type { DataInterval } from '../../lib/intervals';
import { classified, ErrorType } from '../errors';
import { ensureOnce, ensureSchema, type Dialect, type Warehouse } from '../warehouse';
import { loadRuleFiles, RuleFileError, type Check } from './rule-file';

/** What the quality activities need from the worker. */
export interface QualityDeps {
  warehouse: Warehouse;
  /** The quality/rules folder. */
  rulesDir: string;
}

/** One check's outcome, as stored in `audit.quality_results`. */
export interface CheckResult {
  table: string;
  check: string;
  severity: 'warn' | 'error';
  failedRows: number;
  passed: boolean;
}

/** The outcome of every rule file for one run. */
export interface QualityRunResult {
  results: CheckResult[];
  /** Error-severity checks that failed: they block the export. */
  blocking: CheckResult[];
}

/** SQL counting the rows (or the shortfall) that violate a check. */
function violationSql(d: Dialect, table: string, check: Check): string {
  const t = table
    .split('.')
    .map((p) => d.quoteIdent(p))
    .join('.');
  switch (check.type) {
    case 'not_null':
      return `SELECT count(*) AS n FROM ${t} WHERE ${d.quoteIdent(check.column)} IS NULL`;
    case 'unique':
      return `SELECT coalesce(sum(c - 1), 0) AS n FROM (SELECT count(*) AS c FROM ${t} GROUP BY ${d.quoteIdent(check.column)} HAVING count(*) > 1)`;
    case 'expression':
      return `SELECT count(*) AS n FROM ${t} WHERE NOT coalesce((${check.expression}), false)`;
    case 'row_count':
      return `SELECT greatest(${check.min} - count(*), 0) AS n FROM ${t}`;
  }
}

/** Builds the quality activities over a warehouse and a rules folder. */
export function createQualityActivities(deps: QualityDeps) {
  return {
    /** Runs every rule file and records each result under the run id (replacing an earlier attempt's rows). */
    async runQualityChecks(input: { interval: DataInterval; runId: string }): Promise<QualityRunResult> {
      let files;
      try {
        files = loadRuleFiles(deps.rulesDir);
      } catch (err) {
        if (err instanceof RuleFileError) throw ApplicationFailure.nonRetryable(err.message, ErrorType.BadInput);
        throw err;
      }
      const w = deps.warehouse;
      return classified('quality checks', async () => {
        const results: CheckResult[] = [];
        for (const rf of files) {
          for (const check of rf.checks) {
            const [row] = await w.query<{ n: string }>(violationSql(w.dialect, rf.table, check));
            const failedRows = Number(row.n);
            results.push({
              table: rf.table,
              check: check.name,
              severity: check.severity,
              failedRows,
              passed: failedRows === 0,
            });
          }
        }
        await ensureSchema(w, 'audit');
        await ensureOnce(w, 'audit.quality_results', () =>
          w.execute(
            `CREATE TABLE IF NOT EXISTS audit.quality_results (run_id VARCHAR, interval_start TIMESTAMPTZ, table_name VARCHAR,
               check_name VARCHAR, severity VARCHAR, failed_rows BIGINT, passed BOOLEAN, checked_at TIMESTAMPTZ)`,
          ),
        );
        await w.transaction(async (tx) => {
          await tx.execute('DELETE FROM audit.quality_results WHERE run_id = ?', [input.runId]);
          for (const r of results) {
            await tx.execute('INSERT INTO audit.quality_results VALUES (?, ?::TIMESTAMPTZ, ?, ?, ?, ?, ?, now())', [
              input.runId,
              input.interval.start,
              r.table,
              r.check,
              r.severity,
              r.failedRows,
              r.passed,
            ]);
          }
        });
        return { results, blocking: results.filter((r) => !r.passed && r.severity === 'error') };
      });
    },
  };
}

/** The quality activities as the worker registers them. */
export type QualityActivities = ReturnType<typeof createQualityActivities>;
