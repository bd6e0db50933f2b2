import {
  QUALITY_SCORES,
  epochMsOf,
  isoInstant,
  readQualityRun,
  type QualityRuleRecord,
  type QualityScoreRecord,
} from '../../activities/audit';
import { rowsOrNone, type ConsoleContext } from '../context';

/** Quality over time, and each table's latest check: score, quarantine counts, rules with sample keys (keys only). */
export interface QualityData {
  /** Table → its scores over time. */
  history: Record<string, Array<{ at: string; score: number; quarantined: number; runId: string }>>;
  /** Each table's latest score, with the run that checked it. */
  latest: Array<QualityScoreRecord & { runId: string; at: string }>;
  /** The rules of each table's latest check: failed first, errors before warnings. */
  rules: QualityRuleRecord[];
}

/** The last `limit` scores (all tables), and the rule results of each table's latest check. */
export async function qualityData(ctx: ConsoleContext, limit = 500): Promise<QualityData> {
  return ctx.audit(async (src) => {
    const d = src.dialect;
    const rows = await rowsOrNone(
      src,
      `SELECT run_id, table_name, score, quarantined_rows, ${epochMsOf(d, 'scored_at')} FROM ${d.table(QUALITY_SCORES.ref)}
       ORDER BY scored_at DESC LIMIT ${d.literal(limit)}`,
    );
    const history: QualityData['history'] = {};
    for (const r of rows.reverse()) {
      (history[String(r.table_name)] ??= []).push({
        at: isoInstant(r.scored_at_ms) ?? '',
        score: Number(r.score),
        quarantined: Number(r.quarantined_rows ?? 0),
        runId: String(r.run_id),
      });
    }
    const latestRun = new Map(Object.entries(history).map(([t, points]) => [t, points.at(-1)!]));
    const latest: QualityData['latest'] = [];
    const rules: QualityRuleRecord[] = [];
    for (const runId of new Set([...latestRun.values()].map((p) => p.runId))) {
      const run = await readQualityRun(src, runId);
      const mine = (table: string) => latestRun.get(table)?.runId === runId;
      for (const s of run.scores.filter((x) => mine(x.table)))
        latest.push({ ...s, runId, at: latestRun.get(s.table)!.at });
      rules.push(...run.rules.filter((r) => mine(r.table)));
    }
    latest.sort((a, b) => a.table.localeCompare(b.table));
    const rank = (r: QualityRuleRecord) => (r.passed ? 2 : r.severity === 'warn' ? 1 : 0);
    rules.sort((a, b) => rank(a) - rank(b) || a.table.localeCompare(b.table) || a.rule.localeCompare(b.rule));
    return { history, latest, rules };
  });
}
