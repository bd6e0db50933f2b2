import { epochMsOf, isoInstant, numberOrNull, textOrNull, type AuditSource } from './audit-source';
import { QUALITY_RULE_RESULTS, QUALITY_SCORES } from './quality-tables';

/** A checked table's score in one quality run. */
export interface QualityScoreRecord {
  table: string;
  /** The relation the rules ran on (the table, or a micro-batch of it). */
  checkedTable: string;
  rows: number | null;
  invalidRows: number | null;
  quarantinedRows: number | null;
  /** Percent of valid rows, 0–100. */
  score: number;
}

/** One rule's result in one quality run. */
export interface QualityRuleRecord {
  table: string;
  rule: string;
  ruleType: string;
  severity: string;
  passed: boolean;
  message: string;
  sampleKeys: string[];
  checkedRows: number | null;
  failedRows: number | null;
  checkedAt: string | null;
}

/** A quality run: scores by table; rules failed first, errors before warnings, then by table and rule. */
export interface QualityRunRecord {
  runId: string;
  scores: QualityScoreRecord[];
  rules: QualityRuleRecord[];
}

/** The id of the quality run that checked last, if any ran. */
export async function readLatestQualityRunId(src: AuditSource): Promise<string | undefined> {
  const [row] = await src.query(
    `SELECT run_id FROM ${src.dialect.table(QUALITY_RULE_RESULTS.ref)} ORDER BY checked_at DESC LIMIT 1`,
  );
  return row ? String(row.run_id) : undefined;
}

/** A quality run's scores and rule results (both empty for an unknown run id). */
export async function readQualityRun(src: AuditSource, runId: string): Promise<QualityRunRecord> {
  const d = src.dialect;
  const run = d.literal(runId);
  const scores = await src.query(
    `SELECT table_name, checked_table, row_count, invalid_rows, quarantined_rows, score
     FROM ${d.table(QUALITY_SCORES.ref)} WHERE run_id = ${run} ORDER BY table_name`,
  );
  const rules = await src.query(
    `SELECT table_name, rule, rule_type, severity, passed, message, sample_keys, checked_rows, failed_rows,
       ${epochMsOf(d, 'checked_at')}
     FROM ${d.table(QUALITY_RULE_RESULTS.ref)} WHERE run_id = ${run}
     ORDER BY CASE WHEN passed THEN 1 ELSE 0 END, CASE WHEN severity = 'warn' THEN 1 ELSE 0 END, table_name, rule`,
  );
  return {
    runId,
    scores: scores.map((r) => ({
      table: String(r.table_name),
      checkedTable: String(r.checked_table),
      rows: numberOrNull(r.row_count),
      invalidRows: numberOrNull(r.invalid_rows),
      quarantinedRows: numberOrNull(r.quarantined_rows),
      score: Number(r.score),
    })),
    rules: rules.map((r) => ({
      table: String(r.table_name),
      rule: String(r.rule),
      ruleType: String(r.rule_type),
      severity: String(r.severity),
      passed: r.passed === true,
      message: textOrNull(r.message) ?? '',
      sampleKeys: JSON.parse(textOrNull(r.sample_keys) ?? '[]') as string[],
      checkedRows: numberOrNull(r.checked_rows),
      failedRows: numberOrNull(r.failed_rows),
      checkedAt: isoInstant(r.checked_at_ms),
    })),
  };
}
