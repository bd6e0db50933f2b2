import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import type { StreamMeasureResult } from '../../activities/streaming';
import { startKafka, stopKafka } from '../../infra/kafka';
import { readWarehouse, withWorker } from '../../cli/session';
import { produceEvents } from '../../cli/stream-producer';
import type { EdpConfig } from '../../workers/config-schema';
import { pipelineInput } from '../../workers/workflow-inputs';
import { streamingBackfill, streamingIngest, streamingMonitor } from '../../workflows';
import { streamingMonitorLatest } from '../../workflows/streaming-monitor';
import { maybeRecordHistory } from '../helpers/histories';
import { testClient, testConfig } from '../helpers/platform';
import { testTopics, waitUntil } from '../helpers/streams';
import { tmpDir } from '../helpers/tmp';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';
import { freePort, testServices } from '../setup/test-services';

/** raw rows, distinct (partition, offset) and dead letters of a topic's table. */
async function counts(config: EdpConfig, table: string): Promise<{ rows: number; distinct: number; dead: number }> {
  try {
    const [r] = await readWarehouse(
      config,
      `SELECT (SELECT count(*) FROM raw.${table}) AS rows,
              (SELECT count(DISTINCT (kafka_partition, kafka_offset)) FROM raw.${table}) AS "distinct",
              (SELECT count(*) FROM raw.${table}__dead_letters) AS dead`,
    );
    return { rows: Number(r.rows), distinct: Number(r.distinct), dead: Number(r.dead) };
  } catch {
    return { rows: 0, distinct: 0, dead: 0 }; // tables not created yet
  }
}

const streamConfig = (name: string, broker: string) => {
  const topics = testTopics(name).slice(0, 1);
  const loaded = testConfig(name, {
    kafka: { brokers: [broker], clientId: 'edp-test' },
    streaming: { topics, activitySeconds: 4, mergeEveryMs: 200, batchMaxRows: 250, monitor: { everySeconds: 1 } },
  });
  return { loaded, topic: topics[0] };
};

function startStream(client: Client, config: EdpConfig, topic: string) {
  return client.workflow.start(streamingIngest, {
    workflowId: `${config.temporal.taskQueues.workflows}-stream`,
    taskQueue: config.temporal.taskQueues.workflows,
    args: [{ topic, steps: pipelineInput(config).steps, activitySeconds: config.streaming.activitySeconds }],
  });
}

describe('streaming reliability (real Kafka broker, dev server, DuckDB)', () => {
  it('kill -9 of the worker mid-stream: raw holds every event exactly once; a backfill over it adds nothing; the monitor sees no lag', async () => {
    const { loaded, topic } = streamConfig('it-stream-kill', testServices().kafkaBroker);
    const config = loaded.config;
    const logFile = join(config.stateDir, 'worker.log');
    let worker = await startWorkerProcess(loaded.file, logFile);
    const { client, close } = await testClient(config);
    try {
      const stream = await startStream(client, config, topic.topic);
      const producing = produceEvents({
        kafka: config.kafka,
        topics: [topic],
        rate: 1500,
        durationSeconds: 5,
        dirt: 0.01,
        keys: 500,
      });
      await waitUntil('the first rows in raw', async () => (await counts(config, topic.table)).rows > 500);
      worker.kill('SIGKILL'); // mid-stream: batches in flight, uncommitted
      worker = await startWorkerProcess(loaded.file, logFile);
      const produced = await producing;
      await waitUntil(
        `${produced.sent} events accounted for`,
        async () => {
          const c = await counts(config, topic.table);
          return c.rows + c.dead >= produced.sent;
        },
        90_000,
      );
      const c = await counts(config, topic.table);
      expect(c.rows + c.dead).toBe(produced.sent); // none lost, none twice
      expect(c.distinct).toBe(c.rows);
      expect(c.dead).toBeGreaterThan(0);

      const backfill = await client.workflow.execute(streamingBackfill, {
        workflowId: `${config.temporal.taskQueues.workflows}-backfill`,
        taskQueue: config.temporal.taskQueues.workflows,
        args: [{ topic: topic.topic, steps: pipelineInput(config).steps, fromOffset: 0 }],
      });
      expect(backfill).toMatchObject({
        done: true,
        read: produced.sent,
        inserted: 0,
        deadLetters: 0,
        alreadyThere: produced.sent,
      });
      expect(await counts(config, topic.table)).toEqual(c);

      const monitor = await client.workflow.start(streamingMonitor, {
        workflowId: `${config.temporal.taskQueues.workflows}-monitor`,
        taskQueue: config.temporal.taskQueues.workflows,
        args: [{ steps: pipelineInput(config).steps, everySeconds: 1 }],
      });
      let latest: StreamMeasureResult | undefined;
      await waitUntil(
        'a monitor check',
        async () => (latest = await monitor.query(streamingMonitorLatest)) !== undefined,
      );
      expect(latest!.topics[0]).toMatchObject({ topic: topic.topic, totalLag: 0 });
      expect(latest!.topics[0].rawLatencyMs.p99).not.toBeNull();
      await monitor.cancel();
      await stream.cancel();
      for (const h of [monitor, stream]) await h.result().catch(() => undefined);
      const address = testServices().temporalAddress;
      await maybeRecordHistory(client, address, stream.workflowId, 'cancelled');
      await maybeRecordHistory(client, address, monitor.workflowId, 'cancelled');
      await maybeRecordHistory(client, address, `${config.temporal.taskQueues.workflows}-backfill`, 'already-ingested');
    } finally {
      await close();
      await stopGracefully(worker);
    }
  });

  it('broker restart mid-stream: every event exactly once', async () => {
    const dir = tmpDir('edp-kafka-');
    const [port, controllerPort] = [await freePort(), await freePort()];
    const broker = { dir, host: '127.0.0.1', port, controllerPort, heap: '256m' };
    await startKafka(broker);
    const { loaded, topic } = streamConfig('it-stream-broker', `127.0.0.1:${port}`);
    const config = loaded.config;
    const { client, close } = await testClient(config);
    try {
      await withWorker(
        config,
        async () => {
          const stream = await startStream(client, config, topic.topic);
          const first = await produceEvents({
            kafka: config.kafka,
            topics: [topic],
            rate: 1000,
            durationSeconds: 2,
            keys: 200,
          });
          await waitUntil(
            'the first events',
            async () => (await counts(config, topic.table)).rows >= first.sent,
            60_000,
          );
          await stopKafka(dir);
          await new Promise((r) => setTimeout(r, 2000));
          await startKafka(broker);
          const second = await produceEvents({
            kafka: config.kafka,
            topics: [topic],
            rate: 1000,
            durationSeconds: 2,
            keys: 200,
            seed: 8,
          });
          // What the topic holds, not what the producer counted: around a broker restart a producer may
          // write a message whose ack it never gets, and send it again (a second Kafka message).
          const admin = new Kafka({
            clientId: 'it-count',
            brokers: [`127.0.0.1:${port}`],
            logLevel: logLevel.NOTHING,
          }).admin();
          await admin.connect();
          const ends = await admin.fetchTopicOffsets(topic.topic).finally(() => admin.disconnect());
          const total = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
          expect(total).toBeGreaterThanOrEqual(first.sent + second.sent);
          await waitUntil(`${total} events`, async () => (await counts(config, topic.table)).rows >= total, 120_000);
          const c = await counts(config, topic.table);
          expect(c).toEqual({ rows: total, distinct: total, dead: 0 }); // every Kafka message exactly once
          await stream.cancel();
        },
        () => {},
      );
    } finally {
      await close();
      await stopKafka(dir);
    }
  });
});
