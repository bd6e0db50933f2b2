import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import type { StreamMeasureResult } from '../../activities/streaming';
import { withWorker } from '../../cli/session';
import { streamWorkflowId } from '../../lib/ids';
import type { EdpConfig } from '../../workers/config-schema';
import { streamingIngestInput, streamingMonitorInput } from '../../workers/workflow-inputs';
import { streamingIngest, streamingMonitor } from '../../workflows';
import { streamingMonitorLatest } from '../../workflows/streaming-monitor';
import { testClient, testConfig } from '../helpers/platform';
import { claimMessages, createTopic, testTopics, waitUntil } from '../helpers/streams';
import { testServices } from '../setup/test-services';

/** An SLA alert as the `json` webhook format posts it, with the webhook that got it. */
interface Received {
  webhook: string;
  kind: 'breach' | 'recovery';
  pipeline: string;
  sla: string;
  detail: string;
  alertKind?: string;
  severity?: string;
}

/** Starts the topic's consumer under its real id; `stuck` puts its activities on a queue no worker polls. */
function startConsumer(client: Client, config: EdpConfig, topic: string, table: string, stuck = false) {
  const input = streamingIngestInput(config, topic);
  return client.workflow.start(streamingIngest, {
    workflowId: streamWorkflowId(table),
    taskQueue: config.temporal.taskQueues.workflows,
    args: [stuck ? { ...input, steps: { ...input.steps, streamingTaskQueue: `${table}-nobody-polls` } } : input],
  });
}

/** Stream consumers on real services (Kafka, the dev server, DuckDB) and a loopback webhook pair. */
describe('stream stalled / consumer dead alerts', () => {
  let server: Server;
  const received: Received[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push({ webhook: req.url!.slice(1), ...(JSON.parse(text) as Omit<Received, 'webhook'>) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('alerts once per stalled or dead consumer and once on its recovery, through the stream-stalled route only', async () => {
    const name = 'it-stall';
    const topic = testTopics(name)[0];
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { config } = testConfig(name, {
      kafka: { brokers: [testServices().kafkaBroker], clientId: 'edp-test' },
      streaming: {
        topics: [topic],
        activitySeconds: 5,
        mergeEveryMs: 200,
        monitor: { everySeconds: 1, stalledAfterSeconds: 4 },
      },
      alerts: {
        webhooks: [
          { name: 'ops', url: `${base}/ops`, format: 'json' },
          { name: 'pager', url: `${base}/pager`, format: 'json' },
        ],
        routes: { 'stream-stalled': { webhooks: ['pager'], severity: 'critical' } },
      },
    });
    const sla = `stalled:${topic.topic}`;
    const of = (kind: Received['kind']) => received.filter((a) => a.sla === sla && a.kind === kind);
    const kafka = new Kafka({ clientId: 'it-stall', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
    await createTopic(config.kafka.brokers, topic.topic);
    const { client, close } = await testClient(config);
    try {
      await withWorker(
        config,
        async () => {
          const monitor = await client.workflow.start(streamingMonitor, {
            workflowId: `${config.temporal.taskQueues.workflows}-monitor`,
            taskQueue: config.temporal.taskQueues.workflows,
            args: [streamingMonitorInput(config)],
          });
          let latest: StreamMeasureResult | undefined;
          const lagIs = async (check: (lag: number) => boolean) => {
            latest = await monitor.query(streamingMonitorLatest);
            const lag = latest?.topics[0]?.totalLag;
            return lag !== undefined && check(lag);
          };
          /** Waits until the monitor has checked for `ms` more (alerts of those checks are posted before it answers). */
          const checksFor = async (ms: number) => {
            const until = Date.now() + ms;
            await waitUntil(`checks for ${ms} ms`, async () => {
              latest = await monitor.query(streamingMonitorLatest);
              return latest !== undefined && Date.parse(latest.checkedAt) > until;
            });
          };
          // A consumer whose worker never comes: running in Temporal, never committing.
          let consumer = await startConsumer(client, config, topic.topic, topic.table, true);
          await waitUntil('a check of the empty topic', () => lagIs((lag) => lag === 0));
          const producer = kafka.producer();
          await producer.connect();
          await producer.send({ topic: topic.topic, messages: claimMessages(3, new Date().toISOString()) });
          await producer.disconnect();
          await waitUntil('the stalled alert', () => Promise.resolve(of('breach').length > 0), 60_000);
          expect(of('breach')[0]).toMatchObject({
            webhook: 'pager',
            pipeline: 'streaming',
            alertKind: 'stream-stalled',
            severity: 'critical',
            detail: expect.stringMatching(
              new RegExp(
                `^consumer stalled: ${topic.topic} made no progress for \\d+ s with 3 messages behind \\(budget 4 s\\)$`,
              ),
            ),
          });
          // Still stuck, then terminated (now dead): the same incident, no second alert.
          await checksFor(3000);
          await consumer.terminate('test: the stuck consumer goes');
          await checksFor(3000);
          expect(of('breach')).toHaveLength(1);
          expect(of('recovery')).toHaveLength(0);

          consumer = await startConsumer(client, config, topic.topic, topic.table);
          await waitUntil('the stalled recovery', () => Promise.resolve(of('recovery').length > 0), 60_000);
          expect(of('recovery')[0]).toMatchObject({
            webhook: 'pager',
            detail: expect.stringMatching(new RegExp(`^consumer of ${topic.topic} (caught up|progressing)`)),
          });
          // A recovery may be posted at a check that saw progress before the last partition's group offset was
          // committed ("progressing"): the consumer then catches up.
          await waitUntil('no lag after the recovery', () => lagIs((lag) => lag === 0));

          // A healthy, caught-up consumer terminated: dead at once, though the topic has no lag.
          await consumer.terminate('test: the consumer dies');
          await waitUntil('the dead-consumer alert', () => Promise.resolve(of('breach').length > 1), 60_000);
          expect(of('breach')[1]).toMatchObject({
            webhook: 'pager',
            severity: 'critical',
            detail: `consumer dead: ${streamWorkflowId(topic.table)} is TERMINATED (0 messages behind)`,
          });
          await checksFor(3000);
          expect(of('breach')).toHaveLength(2);
          consumer = await startConsumer(client, config, topic.topic, topic.table);
          await waitUntil('the dead-consumer recovery', () => Promise.resolve(of('recovery').length > 1), 60_000);
          await checksFor(2000);
          expect(of('breach')).toHaveLength(2);
          expect(of('recovery')).toHaveLength(2);
          // Routed: the other webhook got nothing of this kind.
          expect(received.filter((a) => a.webhook === 'ops' && a.sla === sla)).toEqual([]);
          for (const h of [monitor, consumer]) await h.cancel();
          for (const h of [monitor, consumer]) await h.result().catch(() => undefined);
        },
        () => {},
      );
    } finally {
      await close();
    }
  }, 300_000);
});
