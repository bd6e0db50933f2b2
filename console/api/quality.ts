import {
  QUALITY_SCORES,
  epochMsOf,
  isoInstant,
  readLatestQualityRunId,
  readQualityRun,
  type QualityRunRecord,
} from '../../activities/audit';
import { rowsOrNone, type ConsoleContext } from '../context';

/** Quality over time and the latest run's rules: scores, failed rows, quarantine counts and sample keys (keys only). */
export interface QualityData {
  /** Table → its scores over time. */
  history: Record<string, Array<{ at: string; score: number; quarantined: number }>>;
  latest?: QualityRunRecord;
}

/** Quality scores of the last `limit` checks per table, and the latest run's rule results. */
export async function qualityData(ctx: ConsoleContext, limit = 200): Promise<QualityData> {
  return ctx.audit(async (src) => {
    const d = src.dialect;
    const rows = await rowsOrNone(
      src,
      `SELECT table_name, score, quarantined_rows, ${epochMsOf(d, 'scored_at')} FROM ${d.table(QUALITY_SCORES.ref)}
       ORDER BY scored_at DESC LIMIT ${d.literal(limit)}`,
    );
    const history: QualityData['history'] = {};
    for (const r of rows.reverse()) {
      const t = String(r.table_name);
      (history[t] ??= []).push({
        at: isoInstant(r.scored_at_ms) ?? '',
        score: Number(r.score),
        quarantined: Number(r.quarantined_rows ?? 0),
      });
    }
    const runId = Object.keys(history).length ? await readLatestQualityRunId(src).catch(() => undefined) : undefined;
    return { history, ...(runId ? { latest: await readQualityRun(src, runId) } : {}) };
  });
}
