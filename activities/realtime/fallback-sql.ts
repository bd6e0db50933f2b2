import type { RealtimeConfig, RealtimeFallbackConfig } from '../../lib/config/realtime-schema';
import type { StreamTopicConfig } from '../../lib/config/schema';
import { REALTIME_STATE, STREAM_METRICS } from '../audit';
import type { Dialect } from '../warehouse/dialect';
import { tableRef, type TableRef } from '../warehouse/warehouse';
import {
  CONSUMPTION,
  curationPlaceholder,
  curationTable,
  RealtimeConfigError,
  renderPlaceholders,
} from './realtime-sql';

/** What the served rows say about themselves: the path they came from. */
export const FRESHNESS_INDICATOR = 'data_freshness_indicator';
/** What the served rows say about themselves: when the data they show was current. */
export const DATA_AS_OF = 'data_as_of';

/**
 * When a stream's rows in the warehouse were complete: the streaming monitor's last check when it
 * found no lag, else (the consumer is behind or stopped) the newest message the warehouse holds in the
 * partition that is furthest behind, never later than that check. NULL before the monitor's first check.
 */
function streamAsOf(d: Dialect, t: StreamTopicConfig): string {
  const raw = d.table({ schema: 'raw', table: t.table });
  const topic = d.literal(t.topic);
  return `(SELECT CASE WHEN m.total_lag = 0 THEN m.checked_at
      ELSE LEAST(m.checked_at, (SELECT MIN(newest) FROM (SELECT MAX(kafka_timestamp) AS newest FROM ${raw} GROUP BY kafka_partition) p))
    END
    FROM ${STREAM_METRICS.name} m
    WHERE m.topic = ${topic} AND m.checked_at = (SELECT MAX(checked_at) FROM ${STREAM_METRICS.name} WHERE topic = ${topic}))`;
}

/** When a curation table's data was read from its sources, as its last refresh (or the engine) recorded it. */
const curationAsOf = (d: Dialect, name: string): string =>
  `(SELECT data_timestamp FROM ${REALTIME_STATE.name} WHERE table_name = ${d.literal(name)})`;

/** The oldest of `parts`, NULL when any is NULL (unknown freshness is no freshness), on every engine. */
function oldest(parts: string[]): string {
  if (parts.length === 0) return 'NULL';
  return `CASE WHEN ${parts.map((p) => `${p} IS NULL`).join(' OR ')} THEN NULL ELSE LEAST(${parts.join(', ')}) END`;
}

/** The streaming topic a fallback's `streams` entry names (by topic or table). */
function streamNamed(topics: readonly StreamTopicConfig[], name: string, where: string): StreamTopicConfig {
  const t = topics.find((x) => x.topic === name || x.table === name);
  if (!t) throw new RealtimeConfigError(`${name} is not one of streaming.topics (by topic or table)`, { fix: where });
  return t;
}

/**
 * A fallback view's SELECT: the realtime answer, flagged REALTIME and as of the stalest curation table
 * and stream behind it, while that is within the lag budget; otherwise the batch answer, flagged BATCH
 * and as of its batch table's newest load. With `key`, keys the realtime answer lacks are served from
 * batch (flagged BATCH) even while it is fresh.
 */
export function fallbackSelect(
  d: Dialect,
  config: RealtimeConfig,
  f: RealtimeFallbackConfig,
  index: number,
  topics: readonly StreamTopicConfig[],
): string {
  const where = `realtime.fallbacks[${index}]`;
  const curations = new Set<string>();
  const known = new Map(config.tables.map((t) => [t.name, curationTable(t)]));
  const realtime = renderPlaceholders(f.realtime, `${where}.realtime`, (name) => {
    const upstream = curationPlaceholder(name)?.table ?? '';
    const ref = known.get(upstream);
    if (ref) curations.add(upstream);
    return ref ? d.table(ref) : undefined;
  });
  const batch = renderPlaceholders(f.batch, `${where}.batch`, () => undefined);
  const asOf = oldest([
    ...[...curations].map((name) => curationAsOf(d, name)),
    ...f.streams.map((s, i) => streamAsOf(d, streamNamed(topics, s, `${where}.streams[${i}]`))),
  ]);
  const budget = Math.round(f.lagBudget ?? config.lagBudget);
  const q = (c: string) => d.quoteIdent(c);
  const missingKey = f.key
    ? ` OR NOT EXISTS (SELECT 1 FROM edp_realtime r WHERE ${f.key.map((k) => `r.${q(k)} = b.${q(k)}`).join(' AND ')})`
    : '';
  return `WITH edp_as_of AS (
      SELECT ${asOf} AS realtime_as_of,
             (SELECT MAX(${q(f.batchAsOf.column)}) FROM ${d.table(tableRef(f.batchAsOf.table))}) AS batch_as_of
    ),
    edp_freshness AS (
      SELECT realtime_as_of, batch_as_of,
             COALESCE(realtime_as_of >= ${d.now()} - INTERVAL '${budget} SECONDS', FALSE) AS realtime_fresh
      FROM edp_as_of
    ),
    edp_realtime AS (${realtime}),
    edp_batch AS (${batch})
    SELECT r.*, 'REALTIME' AS ${FRESHNESS_INDICATOR}, f.realtime_as_of AS ${DATA_AS_OF}
    FROM edp_realtime r CROSS JOIN edp_freshness f WHERE f.realtime_fresh
    UNION ALL
    SELECT b.*, 'BATCH' AS ${FRESHNESS_INDICATOR}, f.batch_as_of AS ${DATA_AS_OF}
    FROM edp_batch b CROSS JOIN edp_freshness f WHERE NOT f.realtime_fresh${missingKey}`;
}

/** The fallback views: `consumption.<name>` and its SELECT. */
export function fallbackViews(
  d: Dialect,
  config: RealtimeConfig,
  topics: readonly StreamTopicConfig[],
): Array<{ ref: TableRef; select: string }> {
  return config.fallbacks.map((f, i) => ({
    ref: { schema: CONSUMPTION, table: f.name },
    select: fallbackSelect(d, config, f, i, topics),
  }));
}
