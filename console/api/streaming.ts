import {
  STREAM_MERGED,
  STREAM_METRICS,
  epochMsOf,
  isoInstant,
  readDeadLetters,
  type DeadLetterRecord,
} from '../../activities/audit';
import { rowsOrNone, type ConsoleContext } from '../context';

/** One streaming check of one topic. */
export interface StreamPoint {
  at: string;
  lagMessages: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Streaming health: lag and latency per topic over time, when each was last merged, and the dead letters. */
export interface StreamingData {
  topics: Record<string, { points: StreamPoint[]; lastMergedAt: string | null }>;
  deadLetters: DeadLetterRecord[];
}

/** The last `limit` checks of the streaming monitor per topic, and the pipeline's dead letters. */
export async function streamingData(ctx: ConsoleContext, limit = 500): Promise<StreamingData> {
  return ctx.audit(async (src) => {
    const d = src.dialect;
    const topics: StreamingData['topics'] = Object.fromEntries(
      ctx.config.streaming.topics.map((t) => [
        t.topic,
        { points: [] as StreamPoint[], lastMergedAt: null as string | null },
      ]),
    );
    const metrics = await rowsOrNone(
      src,
      `SELECT topic, total_lag, staging_p50_ms, staging_p95_ms, staging_p99_ms, ${epochMsOf(d, 'checked_at')}
       FROM ${d.table(STREAM_METRICS.ref)} ORDER BY checked_at DESC LIMIT ${d.literal(limit)}`,
    );
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    for (const r of metrics.reverse()) {
      const t = (topics[String(r.topic)] ??= { points: [], lastMergedAt: null });
      t.points.push({
        at: isoInstant(r.checked_at_ms) ?? '',
        lagMessages: Number(r.total_lag ?? 0),
        p50: num(r.staging_p50_ms),
        p95: num(r.staging_p95_ms),
        p99: num(r.staging_p99_ms),
      });
    }
    const merged = await rowsOrNone(
      src,
      `SELECT topic, max(${d.epochMs(d.quoteIdent('merged_at'))}) AS ms FROM ${d.table(STREAM_MERGED.ref)} GROUP BY topic`,
    );
    for (const r of merged)
      (topics[String(r.topic)] ??= { points: [], lastMergedAt: null }).lastMergedAt = isoInstant(r.ms);
    const deadLetters = await readDeadLetters(src, ctx.config.pipeline.name).catch(() => []);
    return { topics, deadLetters };
  });
}
