import type { LoadedDataConverter, Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { NodeRunResult } from '../activities/transform';
import { nodeLabel } from '../workflows/transform';

/** The marker the SDK records for each finished local activity (its result or failure, attempt, type). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** Reads one payload of a history as the client's data converter wrote it (codecs, then the converter). */
export type PayloadDecoder = (payload: Payload) => Promise<unknown>;

/** A client's way to read history payloads: its codecs in reverse, then its payload converter. */
export function payloadDecoder(client: { options: { loadedDataConverter: LoadedDataConverter } }): PayloadDecoder {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  return async (payload) => {
    let decoded = [payload];
    for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
    return payloadConverter.fromPayload(decoded[0]);
  };
}

/**
 * One run of a transform node's `runNode` as its history holds it: an activity (its ActivityTaskScheduled
 * event) or, for nodes the workflow worker ran itself (docs/transform.md#orchestration), a local activity (its
 * MarkerRecorded event, written when the workflow task that ran it completed).
 */
export interface NodeRunEvent {
  /** From the activity's input, or the local activity's result; undefined for a local activity that failed. */
  nodeId?: string;
  /** The Web UI label it was scheduled with (`model stg_claims → staging.stg_claims + 2 tests`). */
  summary?: string;
  /** The event the Web UI shows for it: ActivityTaskScheduled, or the local activity's MarkerRecorded. */
  eventId: number;
  local: boolean;
  /** Attempts started (an activity), or the attempt that finished (a local activity). */
  attempts: number[];
  /** It returned a result (a node that ran, whatever its status) rather than failing. */
  completed: boolean;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The local activity's type and attempt, from its marker's `data` detail (the SDK writes it as JSON). */
interface LocalActivityData {
  activity_type?: string;
  attempt?: number;
}

/**
 * Every run of `runNode` in a transform's history, in history order, activities and local activities alike; a
 * batch of nodes (one `runNodes` activity) counts as a run of each of its nodes, with the batch's attempts.
 */
export async function nodeRunsOf(events: HistoryEvent[], decode: PayloadDecoder): Promise<NodeRunEvent[]> {
  const runs: NodeRunEvent[] = [];
  const byScheduled = new Map<string, NodeRunEvent[]>();
  const summaryOf = async (e: HistoryEvent) =>
    e.userMetadata?.summary ? ((await decode(e.userMetadata.summary)) as string) : undefined;
  for (const e of events) {
    const eventId = Number(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    const type = scheduled?.activityType?.name;
    if ((type === 'runNode' || type === 'runNodes') && scheduled!.input?.payloads?.[0]) {
      const input = (await decode(scheduled!.input.payloads[0])) as {
        nodeId?: string;
        nodes?: Array<{ nodeId: string }>;
      };
      const summary = await summaryOf(e);
      const attempts: number[] = [];
      const batch = (input.nodes ?? [input]).map((n) => ({
        nodeId: n.nodeId,
        summary,
        eventId,
        local: false,
        attempts,
        completed: false,
      }));
      byScheduled.set(String(eventId), batch);
      runs.push(...batch);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) byScheduled.get(String(started.scheduledEventId))?.[0].attempts.push(started.attempt ?? 1);
    const completed = e.activityTaskCompletedEventAttributes;
    for (const done of (completed && byScheduled.get(String(completed.scheduledEventId))) || []) done.completed = true;
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === LOCAL_ACTIVITY_MARKER ? marker.details?.data?.payloads?.[0] : undefined;
    if (!data) continue;
    const la = (await decode(data)) as LocalActivityData;
    if (la.activity_type !== 'runNode') continue;
    const resultPayload = marker!.details?.result?.payloads?.[0];
    const result = resultPayload ? ((await decode(resultPayload)) as NodeRunResult) : undefined;
    runs.push({
      nodeId: result?.id,
      summary: await summaryOf(e),
      eventId,
      local: true,
      attempts: [la.attempt ?? 1],
      completed: result !== undefined && !marker!.failure,
    });
  }
  return runs;
}

/** Whether a run's summary names the node: how a failed local run (which has no result) is told apart. */
export function summaryNames(summary: string | undefined, node: Parameters<typeof nodeLabel>[0]): boolean {
  const label = nodeLabel(node);
  return summary === label || !!summary?.startsWith(`${label} + `);
}
