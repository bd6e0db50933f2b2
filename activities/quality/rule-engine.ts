import type { DataInterval } from '../../lib/intervals';
import { ensureAudit, QUALITY_RULE_RESULTS, QUALITY_SCORES } from '../audit';
import { ensureOnce, ensureSchema, tableRef, type TableRef, type Warehouse, type WarehouseSession } from '../warehouse';
import { isRowRule, type Rule, type RowRule, type RuleFile } from './rule-file';
import { checkedRowsSql, rowKeySql, tableRuleSql, violationsSql } from './rule-sql';
import { formatCount as fmt, percentOf as pct, ruleTypeOf } from './rules';

/** One rule's outcome, as stored in `audit.quality_rule_results`. */
export interface RuleResult {
  table: string;
  rule: string;
  type: Rule['type'];
  severity: 'warn' | 'error';
  passed: boolean;
  /** Rows the rule looked at (after its filter). */
  checkedRows: number;
  /** Rows that failed (row-level rules), or 1/0 for table-level rules. */
  failedRows: number;
  /** What the check measured, in words: `3 of 2,000 rows (0.15%) fail; allowed 0`. */
  message: string;
  /** Up to five keys of offending rows (row-level rules). */
  sampleKeys: string[];
}

/** A rule file's outcome for one table. */
export interface TableQualityResult {
  /** The logical table the rules are written for. */
  table: string;
  /** The table actually checked (the same, or e.g. a streaming micro-batch). */
  checked: string;
  rows: number;
  /** Rows failing any row-level rule. */
  invalidRows: number;
  /** Percent of rows that are valid. */
  score: number;
  /** Rows moved out of the table into its error table by quarantining rules. */
  quarantined: number;
  results: RuleResult[];
}

/** Where and for which run the rules are evaluated. */
export interface RuleRunContext {
  runId: string;
  interval?: DataInterval;
  /** Check this table instead of the rule file's own (same columns), e.g. a micro-batch. */
  target?: TableRef;
}

/** Error table of a logical table: `<schema>.<table>__quality_errors`. */
export function errorTableOf(table: string): TableRef {
  const ref = tableRef(table);
  return { schema: ref.schema, table: `${ref.table}__quality_errors` };
}

const RESULTS = QUALITY_RULE_RESULTS.name;
const SCORES = QUALITY_SCORES.name;
const MAX_SAMPLES = 5;

async function ensureTables(w: Warehouse, errors: TableRef): Promise<void> {
  await ensureAudit(w);
  await ensureSchema(w, errors.schema);
  await ensureOnce(w, `${errors.schema}.${errors.table}`, () =>
    w.execute(`CREATE TABLE IF NOT EXISTS ${w.dialect.table(errors)} (
      run_id VARCHAR, checked_table VARCHAR, rule VARCHAR, severity VARCHAR, row_key VARCHAR, column_name VARCHAR,
      value VARCHAR, message VARCHAR, row_json VARCHAR, quarantined BOOLEAN, recorded_at TIMESTAMPTZ)`),
  );
}

const count = async (tx: WarehouseSession, sql: string, params?: Array<string | null>): Promise<number> =>
  Number((await tx.query<{ n: string | number }>(sql, params))[0].n);

/**
 * Evaluates a rule file against its table (or `ctx.target`) in one transaction: every failing row is
 * written to the table's error table, quarantining rules also remove their rows from the table, and
 * every rule's result and the table's score land in the audit tables. Re-running with the same run id
 * replaces that run's results and never loses a quarantined row.
 */
export async function evaluateRuleFile(w: Warehouse, file: RuleFile, ctx: RuleRunContext): Promise<TableQualityResult> {
  const d = w.dialect;
  const target = ctx.target ?? tableRef(file.table);
  const checked = `${target.schema}.${target.table}`;
  const errors = errorTableOf(file.table);
  await ensureTables(w, errors);
  const columns = await w.describeTable(target);

  return w.transaction(async (tx) => {
    const results: Array<RuleResult & { sql: string }> = [];
    const rows = columns ? await count(tx, `SELECT count(*) AS n FROM ${d.table(target)}`) : 0;
    // Records from an earlier attempt of this run are replaced, except quarantined rows, whose only copy they are.
    await tx.execute(`DELETE FROM ${d.table(errors)} WHERE run_id = ? AND checked_table = ? AND NOT quarantined`, [
      ctx.runId,
      checked,
    ]);

    for (const rule of file.rules) {
      const base = {
        table: file.table,
        rule: rule.name,
        type: rule.type,
        severity: rule.severity,
        sampleKeys: [] as string[],
      };
      if (!columns) {
        results.push({
          ...base,
          passed: false,
          checkedRows: 0,
          failedRows: 0,
          message: `table ${checked} does not exist`,
          sql: '',
        });
        continue;
      }
      if (isRowRule(rule)) {
        const sql = violationsSql(d, target, file.key, rule);
        const checkedRows = await count(tx, checkedRowsSql(d, target, rule));
        await tx.execute(
          `INSERT INTO ${d.table(errors)} SELECT ?, ?, ?, ?, v.row_key, v.column_name, v.value, v.message, v.row_json, ?, ${d.now()} FROM (${sql}) v`,
          [ctx.runId, checked, rule.name, rule.severity, rule.quarantine],
        );
        const scope = `FROM ${d.table(errors)} WHERE run_id = ? AND checked_table = ? AND rule = ?`;
        const failedRows = await count(tx, `SELECT count(DISTINCT row_key) AS n ${scope}`, [
          ctx.runId,
          checked,
          rule.name,
        ]);
        const samples = await tx.query<{ row_key: string }>(
          `SELECT DISTINCT row_key ${scope} ORDER BY row_key LIMIT ${MAX_SAMPLES}`,
          [ctx.runId, checked, rule.name],
        );
        const allowed = rule.threshold.count ?? `${rule.threshold.percent}%`;
        const passed =
          rule.threshold.count !== undefined
            ? failedRows <= rule.threshold.count
            : pct(failedRows, checkedRows) <= rule.threshold.percent!;
        results.push({
          ...base,
          passed,
          checkedRows,
          failedRows,
          message: `${fmt(failedRows)} of ${fmt(checkedRows)} rows (${pct(failedRows, checkedRows)}%) fail; allowed ${allowed}`,
          sampleKeys: samples.map((s) => s.row_key),
          sql,
        });
      } else {
        results.push({ ...base, ...(await tableRule(tx, w, target, rule, columns, ctx)) });
      }
    }

    const quarantined = columns ? await quarantine(tx, w, file, target, errors, ctx) : 0;
    const invalidRows = await count(
      tx,
      `SELECT count(DISTINCT row_key) AS n FROM ${d.table(errors)} WHERE run_id = ? AND checked_table = ?`,
      [ctx.runId, checked],
    );
    const score = rows === 0 ? (columns ? 100 : 0) : Math.max(0, 100 - pct(invalidRows, rows));

    await tx.execute(`DELETE FROM ${RESULTS} WHERE run_id = ? AND checked_table = ?`, [ctx.runId, checked]);
    for (const r of results) {
      await tx.execute(
        `INSERT INTO ${RESULTS} VALUES (?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${d.now()})`,
        [
          ctx.runId,
          ctx.interval?.start ?? null,
          ctx.interval?.end ?? null,
          r.table,
          checked,
          r.rule,
          r.type,
          r.severity,
          r.passed,
          r.checkedRows,
          r.failedRows,
          pct(r.failedRows, r.checkedRows),
          r.message,
          JSON.stringify(r.sampleKeys),
          r.sql,
        ],
      );
    }
    await tx.execute(`DELETE FROM ${SCORES} WHERE run_id = ? AND checked_table = ?`, [ctx.runId, checked]);
    await tx.execute(`INSERT INTO ${SCORES} VALUES (?, CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ?, ${d.now()})`, [
      ctx.runId,
      ctx.interval?.start ?? null,
      file.table,
      checked,
      rows,
      invalidRows,
      quarantined,
      score,
    ]);
    return {
      table: file.table,
      checked,
      rows,
      invalidRows,
      score,
      quarantined,
      results: results.map(({ sql: _sql, ...r }) => r),
    };
  });
}

async function tableRule(
  tx: WarehouseSession,
  w: Warehouse,
  target: TableRef,
  rule: Exclude<Rule, { quarantine: boolean }>,
  columns: ReadonlyArray<{ name: string; type: string }>,
  ctx: RuleRunContext,
): Promise<Omit<RuleResult, 'table' | 'rule' | 'type' | 'severity' | 'sampleKeys'> & { sql: string }> {
  const sql = tableRuleSql(w.dialect, target, rule, ctx.interval?.end) ?? '';
  const previousCheckedRows = async (): Promise<number | undefined> => {
    const [prev] = await tx.query<{ n: string }>(
      `SELECT checked_rows AS n FROM ${RESULTS} WHERE checked_table = ? AND rule = ? AND run_id <> ? ORDER BY checked_at DESC LIMIT 1`,
      [`${target.schema}.${target.table}`, rule.name, ctx.runId],
    );
    return prev ? Number(prev.n) : undefined;
  };
  const verdict = await ruleTypeOf(rule).evaluate(
    { d: w.dialect, sql, query: (text, params) => tx.query(text, params), columns, previousCheckedRows },
    rule,
  );
  return { ...verdict, failedRows: verdict.passed ? 0 : 1, sql };
}

async function quarantine(
  tx: WarehouseSession,
  w: Warehouse,
  file: RuleFile,
  target: TableRef,
  errors: TableRef,
  ctx: RuleRunContext,
): Promise<number> {
  const d = w.dialect;
  const rules = file.rules.filter((r): r is RowRule => isRowRule(r) && r.quarantine);
  if (rules.length === 0) return 0;
  const before = await count(tx, `SELECT count(*) AS n FROM ${d.table(target)}`);
  const checked = `${target.schema}.${target.table}`;
  const byKey = rules.filter((r) => !ruleTypeOf(r).quarantineSql).map((r) => r.name);
  if (byKey.length > 0) {
    await tx.execute(
      `DELETE FROM ${d.table(target)} t WHERE ${rowKeySql(d, file.key)} IN (
         SELECT row_key FROM ${d.table(errors)} WHERE run_id = ? AND checked_table = ? AND rule IN (${byKey.map(() => '?').join(', ')}))`,
      [ctx.runId, checked, ...byKey],
    );
  }
  for (const rule of rules) {
    const rebuild = ruleTypeOf(rule).quarantineSql?.(d, target, rule);
    if (rebuild) await tx.execute(rebuild);
  }
  return before - (await count(tx, `SELECT count(*) AS n FROM ${d.table(target)}`));
}
