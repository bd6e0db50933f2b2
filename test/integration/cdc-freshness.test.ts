import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { postgresClientConfig } from '../../activities/connections';
import { createRealtimeActivities } from '../../activities/realtime';
import type { StreamMeasureResult } from '../../activities/streaming';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { readWarehouse, withWorker } from '../../cli/session';
import { startKafka, stopKafka } from '../../infra/kafka';
import { ensureDatabase } from '../../infra/postgres';
import { realtimeSchema } from '../../lib/config/realtime-schema';
import type { StreamTopicConfig } from '../../lib/config/schema';
import type { EdpConfig } from '../../workers/config-schema';
import { pipelineInput, streamingMonitorInput } from '../../workers/workflow-inputs';
import { streamingIngest, streamingMonitor } from '../../workflows';
import { streamingMonitorLatest } from '../../workflows/streaming-monitor';
import { startOwnBroker } from '../helpers/cdc';
import { testClient, testConfig } from '../helpers/platform';
import { claimMessages, createTopic, testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An alert as the `json` webhook format posts it. */
interface AlertBody {
  kind: 'breach' | 'recovery';
  pipeline: string;
  sla: string;
  detail: string;
}

/** The heartbeat table's changes as JSON rows, the stand-in for the Debezium connector (cdc-debezium.test.ts runs the real one). */
const heartbeatTopic = (name: string): StreamTopicConfig => ({
  topic: `${name}.heartbeat`,
  table: 'edp_heartbeat',
  format: 'json',
  columns: { source: 'string', beat_at: 'timestamp' },
  key: ['source'],
  eventTime: 'beat_at',
});

/**
 * Relays every new heartbeat row of the source to Kafka while `on`, as a CDC connector would: the source's
 * `beat_at` is the event time. Returns the beat times it saw.
 */
function relayHeartbeats(config: EdpConfig, topic: string) {
  const source = config.sources[0];
  const seen: number[] = [];
  const state = { on: true, stopped: false };
  const loop = (async () => {
    const client = new pg.Client(postgresClientConfig(source, source.database));
    await client.connect();
    const producer: Producer = new Kafka({
      clientId: 'it-relay',
      brokers: [...config.kafka.brokers],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      while (!state.stopped) {
        if (state.on) {
          const { rows } = await client
            .query<{ source: string; beat_at: Date }>('SELECT source, beat_at FROM edp_heartbeat')
            .catch(() => ({ rows: [] as Array<{ source: string; beat_at: Date }> }));
          for (const r of rows) {
            if (seen.includes(r.beat_at.getTime())) continue;
            seen.push(r.beat_at.getTime());
            await producer.send({
              topic,
              messages: [
                { key: r.source, value: JSON.stringify({ source: r.source, beat_at: r.beat_at.toISOString() }) },
              ],
            });
          }
        }
        await sleep(250);
      }
    } finally {
      await producer.disconnect();
      await client.end();
    }
  })();
  return { seen, state, done: () => ((state.stopped = true), loop) };
}

function startStream(client: Client, config: EdpConfig, topic: string) {
  return client.workflow.start(streamingIngest, {
    workflowId: `${config.temporal.taskQueues.workflows}-${topic}`,
    taskQueue: config.temporal.taskQueues.workflows,
    args: [{ topic, steps: pipelineInput(config).steps, activitySeconds: config.streaming.activitySeconds }],
  });
}

function startMonitor(client: Client, config: EdpConfig) {
  return client.workflow.start(streamingMonitor, {
    workflowId: `${config.temporal.taskQueues.workflows}-monitor`,
    taskQueue: config.temporal.taskQueues.workflows,
    args: [streamingMonitorInput(config)],
  });
}

/** Freshness on real services: heartbeats in PostgreSQL, Kafka, the dev server, DuckDB and a loopback webhook. */
describe('freshness: heartbeats, quiet sources, monitor failures, realtime target lag', () => {
  let server: Server;
  const alerts: AlertBody[] = [];
  const of = (sla: string, kind: AlertBody['kind']) => alerts.filter((a) => a.sla === sla && a.kind === kind);
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(text) as AlertBody);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const webhooks = () => [
    { name: 'ops', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a`, format: 'json' as const },
  ];

  it('writes heartbeats every N s, reports each topic’s delay in seconds, and alerts once when the source goes quiet and once when it recovers', async () => {
    const name = 'it-fresh-quiet';
    const claims = testTopics(name)[0];
    const beat = heartbeatTopic(name);
    const loaded = testConfig(name, {
      kafka: { brokers: [testServices().kafkaBroker], clientId: 'edp-test' },
      streaming: {
        topics: [beat, claims],
        activitySeconds: 5,
        mergeEveryMs: 200,
        monitor: { everySeconds: 1 },
        heartbeat: { everySeconds: 1, source: 'operational', maxDelaySeconds: 6 },
      },
      alerts: { webhooks: webhooks() },
    });
    const config = loaded.config;
    const source = config.sources[0];
    await ensureDatabase(postgresClientConfig(source, 'postgres'), source.database);
    // Claim events from an hour ago: by their own event time the table is an hour behind; the heartbeat says better.
    const producer = new Kafka({
      clientId: 'it-claims',
      brokers: [...config.kafka.brokers],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    await producer.send({
      topic: claims.topic,
      messages: claimMessages(3, hourAgo),
    });
    await producer.disconnect();
    const relay = relayHeartbeats(config, beat.topic);
    const { client, close } = await testClient(config);
    try {
      await withWorker(
        config,
        async () => {
          const streams = [
            await startStream(client, config, beat.topic),
            await startStream(client, config, claims.topic),
          ];
          const monitor = await startMonitor(client, config);
          let latest: StreamMeasureResult | undefined;
          const topic = (t: string) => latest?.topics.find((x) => x.topic === t);
          await waitUntil(
            'both topics within the budget behind the source',
            async () => {
              latest = await monitor.query(streamingMonitorLatest);
              const d = [beat.topic, claims.topic].map((t) => topic(t)?.delaySeconds.staging ?? null);
              // The claims' own events merged too (the heartbeat alone can make a table look current): staging is
              // null, not undefined, until the first merge.
              return (
                d.every((x) => x !== null && x < 6) && typeof topic(claims.topic)?.newestEventAt.staging === 'string'
              );
            },
            90_000,
          );
          // Beats every second from the platform (the workflow's timer plus the write): gaps of about a second.
          await waitUntil('five heartbeats', () => Promise.resolve(relay.seen.length >= 5), 30_000);
          const gaps = relay.seen.slice(1).map((t, i) => (t - relay.seen[i]) / 1000);
          expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.9);
          expect([...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]).toBeLessThanOrEqual(2.5);
          // The claims table is an hour old by its own events, but caught up: as current as the heartbeat.
          expect(Date.parse(topic(claims.topic)!.newestEventAt.staging!)).toBeLessThan(Date.now() - 3500_000);
          expect(topic(claims.topic)!.delaySeconds.staging).toBeLessThan(6);
          expect(topic(beat.topic)!.delaySeconds.raw).toBeLessThan(6);
          const [row] = await readWarehouse(
            config,
            `SELECT count(*) AS n, max(staging_delay_seconds) AS worst FROM audit.stream_metrics
             WHERE topic = '${claims.topic}' AND staging_delay_seconds IS NOT NULL AND staging_delay_seconds < 6`,
          );
          expect(Number(row.n)).toBeGreaterThan(0);

          relay.state.on = false; // the connector stops: heartbeats are written but never arrive
          await waitUntil(
            'the quiet breach alert',
            () => Promise.resolve(of('quiet:operational', 'breach').length > 0),
            60_000,
          );
          expect(of('quiet:operational', 'breach')[0]).toMatchObject({
            pipeline: 'streaming',
            detail: expect.stringMatching(
              /^source quiet: the newest heartbeat of operational in staging is [\d.]+ s old \(budget 6 s\)$/,
            ),
          });
          await sleep(4000); // more checks while still quiet: no second alert
          expect(of('quiet:operational', 'breach')).toHaveLength(1);

          relay.state.on = true;
          await waitUntil(
            'the quiet recovery',
            () => Promise.resolve(of('quiet:operational', 'recovery').length > 0),
            60_000,
          );
          await sleep(3000);
          expect(of('quiet:operational', 'breach')).toHaveLength(1);
          expect(of('quiet:operational', 'recovery')).toHaveLength(1);
          expect(alerts.filter((a) => a.sla === 'monitor')).toEqual([]);
          for (const h of [monitor, ...streams]) await h.cancel();
          for (const h of [monitor, ...streams]) await h.result().catch(() => undefined);
        },
        () => {},
      );
    } finally {
      await relay.done();
      await close();
    }
  });

  it('opens a monitor-failure breach while the broker is down and closes it after the restart', async () => {
    const { broker, address } = await startOwnBroker();
    const dir = broker.dir;
    const name = 'it-fresh-broker';
    const topic = testTopics(name)[0];
    const loaded = testConfig(name, {
      kafka: { brokers: [address], clientId: 'edp-test' },
      streaming: { topics: [topic], activitySeconds: 5, monitor: { everySeconds: 1, failedChecksBeforeBreach: 2 } },
      alerts: { webhooks: webhooks() },
    });
    const config = loaded.config;
    const { client, close } = await testClient(config);
    try {
      await withWorker(
        config,
        async () => {
          // The topic exists before the first check (the monitor measures configured topics, it creates none).
          await createTopic(config.kafka.brokers, topic.topic);
          const monitor = await startMonitor(client, config);
          await waitUntil('a monitor check', async () => (await monitor.query(streamingMonitorLatest)) !== undefined);
          await stopKafka(dir);
          await waitUntil(
            'the monitor breach alert',
            () => Promise.resolve(of('monitor', 'breach').length > 0),
            120_000,
          );
          expect(of('monitor', 'breach')[0]).toMatchObject({
            pipeline: 'streaming',
            detail: expect.stringMatching(/^stream monitor cannot measure: KafkaJS\w+ \(\d+ checks in a row\)$/),
          });
          const latest = await monitor.query(streamingMonitorLatest);
          expect(latest?.failure?.failedChecks).toBeGreaterThanOrEqual(2);
          await startKafka(broker);
          await waitUntil('the monitor recovery', () => Promise.resolve(of('monitor', 'recovery').length > 0), 120_000);
          expect(of('monitor', 'breach')).toHaveLength(1);
          expect(of('monitor', 'recovery')).toHaveLength(1);
          expect(of('monitor', 'recovery')[0].detail).toBe('stream monitor measured 1 topics');
          await monitor.cancel();
          await monitor.result().catch(() => undefined);
        },
        () => {},
      );
    } finally {
      await close();
      await stopKafka(dir);
    }
  }, 300_000);

  it('alerts once when a curation table falls behind its target lag, and recovers when it refreshes again', async () => {
    const w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'realtime.duckdb') });
    try {
      for (const s of ['raw', 'staging']) await w.execute(`CREATE SCHEMA ${s}`);
      await w.execute('CREATE TABLE raw.claims (claim_id VARCHAR, status VARCHAR, _edp_loaded_at TIMESTAMPTZ)');
      await w.execute(
        'CREATE TABLE staging.claim_events (claim_id VARCHAR, status VARCHAR, _edp_merged_at TIMESTAMPTZ)',
      );
      await w.execute(`INSERT INTO staging.claim_events VALUES ('C1', 'paid', now())`);
      const realtime = realtimeSchema.parse({
        targetLag: '2 seconds',
        tables: [
          {
            name: 'claim_status_lagging',
            columns: ['claim_id', 'status'],
            history: { table: 'raw.claims', changedAt: '_edp_loaded_at', recentHours: 4 },
            changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
            refresh: 'full',
            sql: 'SELECT claim_id, status FROM {{ integration }}',
          },
        ],
      });
      const acts = createRealtimeActivities({ warehouse: w, realtime, webhooks: webhooks() });
      await acts.deployRealtime();
      await sleep(1100);
      await acts.refreshRealtime();
      expect(alerts.filter((a) => a.pipeline === 'realtime')).toEqual([]);
      // The changes table disappears (a broken upstream): the table cannot refresh and falls behind.
      await w.execute('ALTER TABLE staging.claim_events RENAME TO claim_events_gone');
      await sleep(2500);
      await expect(acts.refreshRealtime()).rejects.toThrow();
      await expect(acts.refreshRealtime()).rejects.toThrow();
      const sla = 'target-lag:claim_status_lagging';
      expect(of(sla, 'breach')).toHaveLength(1);
      expect(of(sla, 'breach')[0]).toMatchObject({
        pipeline: 'realtime',
        detail: expect.stringMatching(/^claim_status_lagging is \d+ s behind its sources \(target lag 2 s\)$/),
      });
      await w.execute('ALTER TABLE staging.claim_events_gone RENAME TO claim_events');
      await acts.refreshRealtime();
      expect(of(sla, 'breach')).toHaveLength(1);
      expect(of(sla, 'recovery')).toHaveLength(1);
    } finally {
      await w.close();
    }
  });
});
