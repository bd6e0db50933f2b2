import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { streamWorkflowId } from '../../lib/ids';
import { STREAM_METRICS } from '../audit';
import { stalledState, type SlaState } from '../sla';
import type { StreamDeps } from './stream-deps';
import { STREAM_OFFSETS } from './stream-tables';

/** What judging consumers needs: the warehouse, the topics, and a consumer workflow's Temporal status. */
export interface ConsumerCheckDeps extends Pick<StreamDeps, 'warehouse' | 'streaming'> {
  /** A consumer workflow's Temporal status (undefined when never started); without it only the lag rule judges consumers. */
  consumerStatus?: (workflowId: string) => Promise<string | undefined>;
}

/** Seconds of lag without a commit before a consumer counts as stalled, when `streaming.monitor.stalledAfterSeconds` is unset. */
export const DEFAULT_STALLED_AFTER_SECONDS = 300;

/** A workflow's Temporal status name (`RUNNING`, `FAILED`, `TERMINATED`…), undefined when none was ever started with the id. */
export async function workflowStatus(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Seconds since the topic's consumer last committed or the monitor last saw it caught up; null until the
 * monitor has watched the topic for `stalledAfterSeconds` (a check from that long ago, give or take a few
 * checks), so a monitor started after a long pause judges only what it saw.
 */
async function stuckSeconds(deps: ConsumerCheckDeps, topic: string, after: number, now: Date): Promise<number | null> {
  const w = deps.warehouse;
  const d = w.dialect;
  const graceMs = Math.max(3 * deps.streaming.monitor.everySeconds, 30) * 1000;
  const windowEnd = new Date(now.getTime() - after * 1000);
  const [row] = await w.query<{ committed: unknown; caught_up: unknown; watched: unknown }>(
    `SELECT (SELECT max(${d.epochMs('updated_at')}) FROM ${STREAM_OFFSETS} WHERE topic = ?) AS committed,
       (SELECT max(${d.epochMs('checked_at')}) FROM ${STREAM_METRICS.name} WHERE topic = ? AND total_lag = 0) AS caught_up,
       (SELECT count(*) FROM ${STREAM_METRICS.name} WHERE topic = ?
         AND checked_at BETWEEN CAST(? AS TIMESTAMPTZ) AND CAST(? AS TIMESTAMPTZ)) AS watched`,
    [topic, topic, topic, new Date(windowEnd.getTime() - graceMs).toISOString(), windowEnd.toISOString()],
  );
  if (Number(row.watched) === 0) return null;
  const since = Math.max(Number(row.committed ?? 0), Number(row.caught_up ?? 0));
  return Math.round((now.getTime() - since) / 1000);
}

/**
 * Every streamed topic's consumer state (`stalled:<topic>`): dead when its workflow `edp-stream-<table>`
 * failed, was terminated or timed out; stalled when the topic has lag and nothing was committed for
 * `streaming.monitor.stalledAfterSeconds`. Run after this check's metrics are recorded.
 */
export async function consumerStates(
  deps: ConsumerCheckDeps,
  topics: ReadonlyArray<{ topic: string; totalLag: number }>,
  now: Date,
): Promise<SlaState[]> {
  const after = deps.streaming.monitor.stalledAfterSeconds ?? DEFAULT_STALLED_AFTER_SECONDS;
  const states: SlaState[] = [];
  for (const t of deps.streaming.topics) {
    const measured = topics.find((x) => x.topic === t.topic);
    if (!measured) continue;
    const workflowId = streamWorkflowId(t.table);
    // Temporal unreachable says nothing about the consumer: the lag rule still judges it.
    const status = await deps.consumerStatus?.(workflowId).catch(() => undefined);
    states.push(
      stalledState({
        topic: t.topic,
        workflowId,
        status,
        lag: measured.totalLag,
        stuckSeconds: measured.totalLag > 0 ? await stuckSeconds(deps, t.topic, after, now) : null,
        stalledAfterSeconds: after,
      }),
    );
  }
  return states;
}
