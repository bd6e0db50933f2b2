import type { AlertsConfig, SqlSourceConfig, WebhookConfig } from '../../lib/config/schema';
import { monitorMeasuredState, quietState, recordSlaStates, type SlaState } from '../sla';
import { setGauge } from '../telemetry';
import { ensureAudit, STREAM_METRICS as METRICS_TABLE } from '../audit';
import { kafkaClient } from '../connections';
import { consumerStates, type ConsumerCheckDeps } from './consumer-stalls';
import { streamTopic, type StreamDeps } from './stream-deps';
import { ensureStreamTables, rawTable, stagingTable, warehouseOffsets } from './stream-tables';
import { HEARTBEAT_TABLE } from '../../lib/config/schema';

/** What the streaming monitor needs: the streaming deps, where to send SLA alerts and the heartbeat's source. */
export interface StreamMonitorDeps extends StreamDeps, ConsumerCheckDeps {
  webhooks: readonly WebhookConfig[];
  /** Which webhooks each alert kind goes to, and its severity (`alerts.routes`). */
  alerts?: Pick<AlertsConfig, 'routes'>;
  sources?: readonly SqlSourceConfig[];
}

/** Per warehouse layer: raw and staging. */
export interface PerLayer<T> {
  raw: T;
  staging: T;
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
  /** The newest source event time in raw and in staging (ISO; null before the first). */
  newestEventAt: PerLayer<string | null>;
  /**
   * How far raw and staging are behind the source, in seconds ("delayed by 42 s"): now − the newest event
   * time there, or − the newest heartbeat there when the topic has nothing pending in Kafka (a quiet table
   * is as current as the heartbeat that came after its last change). Null before any event.
   */
  delaySeconds: PerLayer<number | null>;
}

/** Result of one monitor check. */
export interface StreamMeasureResult {
  checkedAt: string;
  /** Set by the workflow while checks fail: the error's class and how many checks in a row failed. */
  failure?: { errorClass: string; failedChecks: number };
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
  // A check is a probe: a broker that does not answer within seconds fails it, and the next check tries again.
  const admin = kafkaClient(deps.kafka, 'monitor').admin({ retry: { retries: 2, initialRetryTime: 200 } });
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
  const [newest] = await w.query<{ raw: unknown; staging: unknown }>(
    `SELECT (SELECT max(${d.epochMs('_edp_event_time')}) FROM ${d.table(rawTable(t))}) AS raw,
            (SELECT max(${d.epochMs('_edp_event_time')}) FROM ${d.table(stagingTable(t))}) AS staging`,
  );
  const isoOf = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
  return {
    topic: t.topic,
    lag,
    totalLag: Object.values(lag).reduce((a, b) => a + b, 0),
    rawLatencyMs: { p50: num(raw.p50), p95: num(raw.p95), p99: num(raw.p99) },
    stagingLatencyMs: { p50: num(stg.p50), p95: num(stg.p95), p99: num(stg.p99) },
    eventsPerSecond: Math.round(Number(rate.n) / m.everySeconds),
    newestEventAt: { raw: isoOf(newest.raw), staging: isoOf(newest.staging) },
    delaySeconds: { raw: null, staging: null },
  };
}

/** The streamed topic carrying the heartbeat table: `streaming.heartbeat.topic`, else the one of table `edp_heartbeat`. */
export function heartbeatTopic(deps: Pick<StreamDeps, 'streaming'>): string | undefined {
  const beat = deps.streaming.heartbeat;
  if (!beat) return undefined;
  const t = beat.topic ? streamTopic(deps, beat.topic) : deps.streaming.topics.find((x) => x.table === HEARTBEAT_TABLE);
  return t?.topic;
}

/** Seconds from the later of two ISO times to `now`, to a tenth; null when neither is set. */
function secondsSince(now: Date, ...times: Array<string | null>): number | null {
  const ms = times.filter((x): x is string => x !== null).map((x) => Date.parse(x));
  if (ms.length === 0) return null;
  return Math.max(0, Math.round((now.getTime() - Math.max(...ms)) / 100) / 10);
}

/** Fills each topic's delay from its newest event and, when nothing is pending for it, the newest heartbeat. */
function withDelays(topics: TopicMeasure[], beat: TopicMeasure | undefined, now: Date): TopicMeasure[] {
  return topics.map((x) => {
    const hb = beat && x.totalLag === 0 ? beat.newestEventAt : { raw: null, staging: null };
    return {
      ...x,
      delaySeconds: {
        raw: secondsSince(now, x.newestEventAt.raw, hb.raw),
        staging: secondsSince(now, x.newestEventAt.staging, hb.staging),
      },
    };
  });
}

/**
 * Measures every streamed topic (per-partition lag, event-time → raw and → staging latency
 * percentiles, throughput, delay behind the source in seconds), records the figures in
 * `audit.stream_metrics` and the SLAs as pipeline `streaming`: lag, latency, the monitor's own check
 * (a success closes a failure breach), the heartbeat source going quiet and each consumer dead or stalled
 * (breaches opened and closed, alerts once per breach and recovery, routed by kind).
 */
export async function measureStreams(deps: StreamMonitorDeps): Promise<StreamMeasureResult> {
  const w = deps.warehouse;
  const m = deps.streaming.monitor;
  const beatTopic = heartbeatTopic(deps);
  // The heartbeat is read before the other topics' offsets: a topic found caught up afterwards holds every
  // change the source committed before that heartbeat.
  const order = [...deps.streaming.topics].sort(
    (a, b) => Number(b.topic === beatTopic) - Number(a.topic === beatTopic),
  );
  const measured: TopicMeasure[] = [];
  for (const t of order) measured.push(await measureTopic(deps, t.topic));
  const now = new Date();
  const topics = withDelays(
    deps.streaming.topics.map((t) => measured.find((x) => x.topic === t.topic)!),
    measured.find((x) => x.topic === beatTopic),
    now,
  );
  await ensureAudit(w);
  for (const x of topics) {
    await w.execute(
      `INSERT INTO ${METRICS_TABLE.name} VALUES (CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
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
        x.delaySeconds.raw,
        x.delaySeconds.staging,
      ],
    );
    for (const [p, lag] of Object.entries(x.lag)) {
      setGauge(
        'edp_stream_lag',
        lag,
        { topic: x.topic, partition: p },
        'Log end offset minus warehouse offset',
        'messages',
      );
    }
    if (x.delaySeconds.staging !== null) {
      setGauge(
        'edp_stream_delay_seconds',
        x.delaySeconds.staging,
        { topic: x.topic },
        'Seconds staging is behind the source (newest event or heartbeat)',
        's',
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
  const states: SlaState[] = [monitorMeasuredState(topics.length)];
  const beat = deps.streaming.heartbeat;
  if (beat && beatTopic) {
    const delay = topics.find((x) => x.topic === beatTopic)!.delaySeconds.staging;
    states.push(quietState(beat.source, delay, beat.maxDelaySeconds));
  }
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
  states.push(...(await consumerStates(deps, topics, now)));
  const recorded = await recordSlaStates(w, 'streaming', states, deps.webhooks, now, deps.alerts?.routes);
  return {
    checkedAt: now.toISOString(),
    topics,
    breached: states.filter((s) => s.breached).map((s) => s.sla),
    ...recorded,
  };
}
