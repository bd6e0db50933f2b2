import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { streamTopic } from '../activities/streaming';
import type { EdpConfig } from '../workers/config-schema';
import { STREAM_MONITOR_WORKFLOW_ID, streamBackfillWorkflowId, streamWorkflowId } from '../lib/ids';
import {
  startOptions,
  streamingBackfillInput,
  streamingIngestInput,
  streamingMonitorInput,
} from '../workers/workflow-inputs';
import { streamingBackfill, streamingIngest, streamingMonitor } from '../workflows';
import { streamingBackfillProgress } from '../workflows/streaming-backfill';
import { streamingIngestProgress } from '../workflows/streaming-ingest';
import { streamingMonitorLatest } from '../workflows/streaming-monitor';
import { num, table } from './output';
import { webUiLink } from './pipeline-run';
import { interruptibleWait } from './run-wait';
import { CliError, readWarehouse, temporalClient, UsageError, withWorker } from './session';
import { produceEvents } from './stream-producer';

function topicsOf(config: EdpConfig, only?: string): EdpConfig['streaming']['topics'] {
  if (config.streaming.topics.length === 0) throw new CliError('no streaming topics configured (streaming.topics)');
  if (!only) return config.streaming.topics;
  try {
    return [streamTopic(config, only)];
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** `edp stream produce`: sample events at a steady rate (the load generator). */
export async function streamProduce(
  config: EdpConfig,
  o: { rate: number; duration: number; dirt: number; topic?: string; seed?: number },
  log: (m: string) => void,
): Promise<number> {
  const topics = topicsOf(config, o.topic);
  log(
    `producing ${num(o.rate)} events/s for ${o.duration} s to ${topics.map((t) => t.topic).join(', ')} (dirt ${o.dirt})`,
  );
  const r = await produceEvents({
    kafka: config.kafka,
    topics,
    rate: o.rate,
    durationSeconds: o.duration,
    dirt: o.dirt,
    seed: o.seed,
    onProgress: (sent, s) => log(`  ${num(sent)} sent in ${s.toFixed(0)} s`),
  });
  log(
    `sent ${num(r.sent)} events (${num(r.dirty)} dirty) in ${r.seconds.toFixed(1)} s: ${Object.entries(r.perTopic)
      .map(([t, n]) => `${t} ${num(n)}`)
      .join(', ')}`,
  );
  return 0;
}

/** Starts a workflow unless one with its id already runs; says which. */
export async function startOnce(start: () => Promise<unknown>): Promise<'started' | 'already running'> {
  try {
    await start();
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already running';
    throw err;
  }
}

/** `edp stream start`: one streamingIngest per topic and the streamingMonitor, unless they already run. */
export async function streamStart(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const topics = topicsOf(config);
  const { client, close } = await temporalClient(config);
  try {
    for (const t of topics) {
      const id = streamWorkflowId(t.table);
      const state = await startOnce(() =>
        client.workflow.start(streamingIngest, startOptions(config, id, streamingIngestInput(config, t.topic))),
      );
      log(`${t.topic} → raw.${t.table}: ${state} (${id})`);
    }
    const state = await startOnce(() =>
      client.workflow.start(
        streamingMonitor,
        startOptions(config, STREAM_MONITOR_WORKFLOW_ID, streamingMonitorInput(config)),
      ),
    );
    log(
      `monitor: ${state} (${STREAM_MONITOR_WORKFLOW_ID}); the worker must run (\`edp up\`) — Web UI ${webUiLink(config, STREAM_MONITOR_WORKFLOW_ID)}`,
    );
    return 0;
  } finally {
    await close();
  }
}

/** `edp stream stop`: cancels the streams and the monitor (a consumer stops after its current micro-batch). */
export async function streamStop(config: EdpConfig, log: (m: string) => void): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    for (const id of [...config.streaming.topics.map((t) => streamWorkflowId(t.table)), STREAM_MONITOR_WORKFLOW_ID]) {
      try {
        await client.workflow.getHandle(id).cancel();
        log(`${id}: cancelled`);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        log(`${id}: not running`);
      }
    }
    return 0;
  } finally {
    await close();
  }
}

async function queryOrUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

/** "delayed by 42 s": how far staging is behind the source (newest event or heartbeat); "–" before any. */
export function delayText(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '–' : `delayed by ${Math.round(seconds)} s`;
}

/** `edp stream status`: per topic, what the stream has done and the latest monitor figures. */
export async function streamStatus(config: EdpConfig): Promise<number> {
  const { client, close } = await temporalClient(config);
  try {
    const latest = await queryOrUndefined(() =>
      client.workflow.getHandle(STREAM_MONITOR_WORKFLOW_ID).query(streamingMonitorLatest),
    );
    const rows: Array<Record<string, unknown>> = [];
    for (const t of config.streaming.topics) {
      const p = await queryOrUndefined(() =>
        client.workflow.getHandle(streamWorkflowId(t.table)).query(streamingIngestProgress),
      );
      const m = latest?.topics.find((x) => x.topic === t.topic);
      // Counted in the warehouse: the workflow's own totals move only when a consumer activity ends.
      const counted = await queryOrUndefined(() =>
        readWarehouse(
          config,
          `SELECT (SELECT count(*) FROM raw.${t.table}) AS raw, (SELECT count(*) FROM raw.${t.table}__dead_letters) AS dead,
                  (SELECT count(*) FROM staging.${t.table}) AS staging`,
        ),
      );
      const c = counted?.[0];
      rows.push({
        topic: t.topic,
        stream: p ? 'running' : 'stopped',
        'rows in raw': c ? num(Number(c.raw)) : '',
        'dead letters': c ? num(Number(c.dead)) : '',
        'staging rows': c ? num(Number(c.staging)) : '',
        lag: m ? num(m.totalLag) : '',
        'events/s': m ? num(m.eventsPerSecond) : '',
        'staging p50/p95/p99 ms': m
          ? `${m.stagingLatencyMs.p50 ?? '–'}/${m.stagingLatencyMs.p95 ?? '–'}/${m.stagingLatencyMs.p99 ?? '–'}`
          : '',
        'behind source': m ? delayText(m.delaySeconds.staging) : '',
      });
    }
    console.log(table(rows));
    if (latest)
      console.log(`monitor checked at ${latest.checkedAt}; breached: ${latest.breached.join(', ') || 'none'}`);
    if (latest?.failure)
      console.log(
        `monitor cannot measure: ${latest.failure.errorClass} (${latest.failure.failedChecks} checks in a row); figures above are from the last good check`,
      );
    return 0;
  } finally {
    await close();
  }
}

/** `edp stream backfill`: replays an offset or time range into raw (no duplicates), printing progress. */
export async function streamBackfill(
  config: EdpConfig,
  o: {
    topic?: string;
    fromOffset?: number;
    toOffset?: number;
    fromTime?: string;
    toTime?: string;
    partition?: number;
    wait: boolean;
  },
  log: (m: string) => void,
): Promise<number> {
  if (!o.topic) throw new UsageError('stream backfill needs --topic');
  if (o.fromOffset === undefined && o.fromTime === undefined && o.toOffset === undefined && o.toTime === undefined) {
    throw new UsageError('stream backfill needs a range: --from-offset/--to-offset or --from-time/--to-time');
  }
  const t = topicsOf(config, o.topic)[0];
  const { client, close } = await temporalClient(config);
  try {
    const workflowId = streamBackfillWorkflowId(t.table, new Date());
    const input = streamingBackfillInput(config, {
      topic: t.topic,
      fromOffset: o.fromOffset,
      toOffset: o.toOffset,
      fromTime: o.fromTime,
      toTime: o.toTime,
      partitions: o.partition === undefined ? undefined : [o.partition],
    });
    let started = false;
    const run = async (c: Client) => {
      const handle = await c.workflow.start(streamingBackfill, startOptions(config, workflowId, input));
      started = true;
      log(`backfill ${workflowId}: ${webUiLink(config, workflowId)}`);
      if (!o.wait) return;
      const result = handle.result();
      let done = false;
      void result.finally(() => (done = true)).catch(() => undefined);
      while (!done) {
        await new Promise((r) => setTimeout(r, 1000));
        const p = await queryOrUndefined(() => handle.query(streamingBackfillProgress));
        if (p && !done)
          log(
            `  ${num(p.read)} / ${num(p.total)} read, ${num(p.inserted)} inserted, ${num(p.alreadyThere)} already there`,
          );
      }
      const p = await result;
      log(
        `done: ${num(p.read)} read, ${num(p.inserted)} inserted, ${num(p.deadLetters)} dead letters, ${num(p.alreadyThere)} already in raw`,
      );
    };
    await interruptibleWait(
      config,
      () => (started ? [workflowId] : []),
      () => withWorker(config, () => run(client), log),
    );
    return 0;
  } finally {
    await close();
  }
}
