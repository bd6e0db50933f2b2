import type { Kafka, Message } from 'kafkajs';
import { kafkaClient } from '../activities/connections';
import type { ColumnType, KafkaConfig, StreamTopicConfig } from '../lib/config/schema';
import { createTopicsWithLeaders } from './kafka-topics';
import { rng } from './sample-data';

/** Options of {@link produceEvents}. */
export interface ProduceOptions {
  kafka: KafkaConfig;
  topics: readonly StreamTopicConfig[];
  /** Events per second, over all topics. */
  rate: number;
  durationSeconds: number;
  /** Share of events made invalid (bad JSON, a missing key, a wrong type). @default 0 */
  dirt?: number;
  seed?: number;
  /** Distinct keys per topic (updates repeat keys). @default 50,000 */
  keys?: number;
  /** Partitions of topics this creates. @default 3 */
  partitions?: number;
  onProgress?: (sent: number, seconds: number) => void;
}

/** What {@link produceEvents} sent. */
export interface ProduceResult {
  sent: number;
  dirty: number;
  perTopic: Record<string, number>;
  seconds: number;
}

const CLAIM_STATUS = ['submitted', 'adjudicated', 'approved', 'denied', 'paid'];
const NETWORK = ['in_network', 'out_of_network'];
const NAMES = ['Ana', 'Ben', 'Chen', 'Dana', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jo'];

/** A realistic value for a column, by its name and type. */
function value(name: string, type: ColumnType, key: number, r: () => number, now: number): unknown {
  if (type === 'timestamp') return new Date(now - Math.floor(r() * 2000)).toISOString();
  if (type === 'date') return new Date(now - Math.floor(r() * 365) * 86_400_000).toISOString().slice(0, 10);
  if (type === 'decimal') return Math.round(r() * 500_000) / 100;
  if (type === 'integer') return Math.floor(r() * 1000);
  if (type === 'boolean') return r() < 0.5;
  if (name === 'status' || name === 'claim_status') return CLAIM_STATUS[Math.floor(r() * CLAIM_STATUS.length)];
  if (name === 'network_status') return NETWORK[Math.floor(r() * 2)];
  if (/name/.test(name)) return NAMES[Math.floor(r() * NAMES.length)];
  if (name.endsWith('_id')) return `${name.slice(0, 1).toUpperCase()}${String(key).padStart(7, '0')}`;
  return `${name}-${key}`;
}

/** One event for a topic: its Kafka key and value (a row, or a Debezium envelope), maybe made dirty. */
export function streamEvent(
  t: StreamTopicConfig,
  seq: number,
  r: () => number,
  keys: number,
  dirt: number,
  now = Date.now(),
): { message: Message; dirty: boolean } {
  const key = Math.floor(r() * keys);
  const row: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(t.columns)) {
    row[name] = t.key.includes(name) ? value(name, 'string', key, r, now) : value(name, type, key, r, now);
  }
  if ('event_id' in row) row.event_id = `E${seq}`;
  if (t.eventTime) row[t.eventTime] = new Date(now).toISOString();
  const messageKey = t.key.map((k) => String(row[k])).join('|');
  let doc: unknown = row;
  if (t.format === 'debezium') {
    const roll = r();
    const op = roll < 0.02 ? 'd' : roll < 0.12 ? 'c' : 'u';
    doc = {
      before: op === 'c' ? null : row,
      after: op === 'd' ? null : row,
      op,
      source: { connector: 'postgresql', db: 'operational', table: t.table, ts_ms: now },
      ts_ms: now,
    };
  }
  let text = JSON.stringify(doc);
  const dirty = r() < dirt;
  if (dirty) {
    const kind = Math.floor(r() * 3);
    const target = (
      t.format === 'debezium'
        ? ((doc as { after: unknown; before: unknown }).after ?? (doc as { before: unknown }).before)
        : doc
    ) as Record<string, unknown>;
    if (kind === 0)
      text = text.slice(0, Math.max(1, Math.floor(text.length / 2))); // truncated JSON
    else if (kind === 1) {
      delete target[t.key[0]]; // missing key field
      text = JSON.stringify(doc);
    } else {
      const typed = Object.entries(t.columns).find(([, ty]) => ty !== 'string');
      target[typed ? typed[0] : t.key[0]] = typed ? 'not-a-value' : { nested: true }; // wrong type
      text = JSON.stringify(doc);
    }
  }
  return { message: { key: messageKey, value: text, timestamp: String(now) }, dirty };
}

/** Creates the topics that do not exist yet. */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, topics, partitions);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces events at a steady rate (ticks of 50 ms) round-robin over the topics, keyed by business
 * key so one key's events stay in order on one partition, with event-time timestamps.
 */
export async function produceEvents(o: ProduceOptions): Promise<ProduceResult> {
  if (o.topics.length === 0) throw new Error('no streaming topics configured (streaming.topics)');
  const kafka = kafkaClient(o.kafka, 'producer');
  await ensureTopics(
    kafka,
    o.topics.map((t) => t.topic),
    o.partitions ?? 3,
  );
  // Idempotent: a send retried after a timeout must not put an event twice on the topic (the
  // streaming tests count the rows written against the events sent).
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const r = rng(o.seed ?? 7);
  const result: ProduceResult = { sent: 0, dirty: 0, perTopic: {}, seconds: 0 };
  const started = Date.now();
  const total = Math.round(o.rate * o.durationSeconds);
  let lastReport = started;
  try {
    while (result.sent < total) {
      const due = Math.min(total, Math.round(((Date.now() - started) / 1000) * o.rate) + Math.ceil(o.rate / 20));
      const byTopic = new Map<string, Message[]>();
      for (; result.sent < due; result.sent++) {
        const t = o.topics[result.sent % o.topics.length];
        const e = streamEvent(t, result.sent, r, o.keys ?? 50_000, o.dirt ?? 0);
        if (e.dirty) result.dirty++;
        if (!byTopic.has(t.topic)) byTopic.set(t.topic, []);
        byTopic.get(t.topic)!.push(e.message);
        result.perTopic[t.topic] = (result.perTopic[t.topic] ?? 0) + 1;
      }
      // Requests of at most 2,000 messages stay under the broker's request size limit.
      for (const [topic, messages] of byTopic) {
        for (let i = 0; i < messages.length; i += 2000) {
          await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000) });
        }
      }
      if (o.onProgress && Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        o.onProgress(result.sent, (lastReport - started) / 1000);
      }
      const next = started + ((result.sent + 1) / o.rate) * 1000;
      const wait = Math.min(50, next - Date.now());
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  } finally {
    await producer.disconnect();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
