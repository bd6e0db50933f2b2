import type { WebhookConfig } from '../../lib/config/schema';
import { recordSlaStates, type SlaState } from '../sla';
import { setGauge } from '../telemetry';
import { ensureAudit, STREAM_METRICS as METRICS_TABLE } from '../audit';
import { kafkaClient } from '../connections';
import { streamTopic, type StreamDeps } from './stream-deps';
import { ensureStreamTables, rawTable, stagingTable, warehouseOffsets } from './stream-tables';

/** What the streaming monitor needs: the streaming deps and where to send SLA alerts. */
export interface StreamMonitorDeps extends StreamDeps {
  webhooks: readonly WebhookConfig[];
}

/** One topic's figures at a check. */
export interface TopicMeasure {
  topic: string;
  /** Per partition: log-end offset − the warehouse's next offset. */
  lag: Record<string, number>;
  totalLag: number;
  /** Event time → committed in raw, ms percentiles over the window (null without events). */
  rawLatencyMs: { p50: number | null; p95: number | null; p99: number | null };
  /** Event time → merged into staging. */
  stagingLatencyMs: { p50: number | null; p95: number | null; p99: number | null };
  /** Events written to raw per second over the last check interval. */
  eventsPerSecond: number;
}

/** Result of one monitor check. */
export interface StreamMeasureResult {
  checkedAt: string;
  topics: TopicMeasure[];
  breached: string[];
  opened: string[];
  closed: string[];
  alertsSent: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v)));

async function measureTopic(deps: StreamDeps, topic: string): Promise<TopicMeasure> {
  const w = deps.warehouse;
  const d = w.dialect;
  const m = deps.streaming.monitor;
  const t = streamTopic(deps, topic);
  await ensureStreamTables(w, t);
  const admin = kafkaClient(deps.kafka, 'monitor').admin();
  await admin.connect();
  let ends: Array<{ partition: number; high: string }>;
  try {
    ends = await admin.fetchTopicOffsets(t.topic);
  } finally {
    await admin.disconnect();
  }
  const at = await warehouseOffsets(w, t.topic);
  const lag: Record<string, number> = {};
  for (const e of ends) lag[String(e.partition)] = Math.max(0, Number(e.high) - (at.get(e.partition) ?? 0));
  const window = `${d.now()} - INTERVAL '${m.windowSeconds} SECONDS'`;
  const pct = (expr: string, table: string, since: string) =>
    w.query<{ p50: unknown; p95: unknown; p99: unknown }>(
      `SELECT ${[50, 95, 99].map((p) => `percentile_cont(0.${p}) WITHIN GROUP (ORDER BY ${expr}) AS p${p}`).join(', ')}
       FROM ${table} WHERE ${since} > ${window}`,
    );
  const [raw] = await pct(
    `${d.epochMs('_edp_ingested_at')} - ${d.epochMs('_edp_event_time')}`,
    d.table(rawTable(t)),
    '_edp_ingested_at',
  );
  const [stg] = await pct(
    `${d.epochMs('_edp_merged_at')} - ${d.epochMs('_edp_event_time')}`,
    d.table(stagingTable(t)),
    '_edp_merged_at',
  );
  const [rate] = await w.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${d.table(rawTable(t))} WHERE _edp_ingested_at > ${d.now()} - INTERVAL '${m.everySeconds} SECONDS'`,
  );
  return {
    topic: t.topic,
    lag,
    totalLag: Object.values(lag).reduce((a, b) => a + b, 0),
    rawLatencyMs: { p50: num(raw.p50), p95: num(raw.p95), p99: num(raw.p99) },
    stagingLatencyMs: { p50: num(stg.p50), p95: num(stg.p95), p99: num(stg.p99) },
    eventsPerSecond: Math.round(Number(rate.n) / m.everySeconds),
  };
}

/**
 * Measures every streamed topic (per-partition lag, event-time → raw and → staging latency
 * percentiles, throughput), records the figures in `audit.stream_metrics` and the lag and latency
 * SLAs as pipeline `streaming` (breaches opened and closed, alerts once per breach and recovery).
 */
export async function measureStreams(deps: StreamMonitorDeps): Promise<StreamMeasureResult> {
  const w = deps.warehouse;
  const m = deps.streaming.monitor;
  const now = new Date();
  const topics: TopicMeasure[] = [];
  for (const t of deps.streaming.topics) topics.push(await measureTopic(deps, t.topic));
  await ensureAudit(w);
  for (const x of topics) {
    await w.execute(`INSERT INTO ${METRICS_TABLE.name} VALUES (CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      now.toISOString(),
      x.topic,
      x.totalLag,
      JSON.stringify(x.lag),
      x.rawLatencyMs.p50,
      x.rawLatencyMs.p95,
      x.rawLatencyMs.p99,
      x.stagingLatencyMs.p50,
      x.stagingLatencyMs.p95,
      x.stagingLatencyMs.p99,
      x.eventsPerSecond,
    ]);
    for (const [p, lag] of Object.entries(x.lag)) {
      setGauge(
        'edp_stream_lag',
        lag,
        { topic: x.topic, partition: p },
        'Log end offset minus warehouse offset',
        'messages',
      );
    }
    if (x.stagingLatencyMs.p99 !== null) {
      setGauge(
        'edp_stream_latency_p99_ms',
        x.stagingLatencyMs.p99,
        { topic: x.topic },
        'Event time to staging, p99',
        'ms',
      );
    }
  }
  const states: SlaState[] = [];
  for (const x of topics) {
    if (m.maxLagMessages !== undefined) {
      states.push({
        sla: `lag:${x.topic}`,
        breached: x.totalLag > m.maxLagMessages,
        detail: `${x.topic} lag ${x.totalLag} messages (maximum ${m.maxLagMessages})`,
      });
    }
    if (m.maxLatencyP99Ms !== undefined && x.stagingLatencyMs.p99 !== null) {
      states.push({
        sla: `latency:${x.topic}`,
        breached: x.stagingLatencyMs.p99 > m.maxLatencyP99Ms,
        detail: `${x.topic} event → staging p99 ${x.stagingLatencyMs.p99} ms (maximum ${m.maxLatencyP99Ms} ms)`,
      });
    }
  }
  const recorded = await recordSlaStates(w, 'streaming', states, deps.webhooks, now);
  return {
    checkedAt: now.toISOString(),
    topics,
    breached: states.filter((s) => s.breached).map((s) => s.sla),
    ...recorded,
  };
}
