import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillRange, BackfillSpec } from '../activities/streaming';
import { streamingQueueOf, type StepOptions } from './step-options';

/** Input of {@link streamingBackfill}: what to replay (see {@link BackfillSpec}) and how. */
export interface StreamingBackfillInput extends BackfillSpec {
  steps: StepOptions;
  /** Messages per activity. @default 50,000 */
  chunkMessages?: number;
}

/** Progress of a backfill, readable with the `progress` query while it runs. */
export interface StreamingBackfillProgress {
  topic: string;
  ranges: BackfillRange[];
  /** Messages in the ranges, and how many have been replayed. */
  total: number;
  read: number;
  inserted: number;
  deadLetters: number;
  alreadyThere: number;
  done: boolean;
}

/** Query `progress`. */
export const streamingBackfillProgress = defineQuery<StreamingBackfillProgress>('progress');

/**
 * Replays a topic by offset or time range into `raw.<table>` without duplicating rows already there,
 * merging what it adds into staging. Progress is queryable; cancelling stops it between or inside
 * chunks (what was written stays, and a re-run skips it).
 */
export async function streamingBackfill(input: StreamingBackfillInput): Promise<StreamingBackfillProgress> {
  const acts = proxyActivities<Activities>({
    taskQueue: streamingQueueOf(input.steps),
    startToCloseTimeout: '10m',
    heartbeatTimeout: `${input.steps.heartbeatSeconds ?? 30}s`,
    retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 10 },
  });
  const ranges = await acts.resolveBackfillRanges(input);
  const progress: StreamingBackfillProgress = {
    topic: input.topic,
    ranges,
    total: ranges.reduce((n, r) => n + (r.to - r.from), 0),
    read: 0,
    inserted: 0,
    deadLetters: 0,
    alreadyThere: 0,
    done: false,
  };
  setHandler(streamingBackfillProgress, () => progress);
  while (progress.ranges.some((r) => r.next < r.to)) {
    const before = progress.ranges.reduce((n, r) => n + r.next, 0);
    const r = await acts.backfillStream({
      topic: input.topic,
      groupId: `edp-backfill-${workflowInfo().workflowId}`,
      ranges: progress.ranges,
      maxMessages: input.chunkMessages ?? 50_000,
    });
    progress.ranges = r.ranges;
    progress.read += r.read;
    progress.inserted += r.inserted;
    progress.deadLetters += r.deadLetters;
    progress.alreadyThere += r.alreadyThere;
    // Offsets with no message (compacted, transaction markers) cannot be read: a chunk that moves
    // nothing ends the backfill rather than loop.
    if (progress.ranges.reduce((n, x) => n + x.next, 0) === before) break;
  }
  progress.done = true;
  return progress;
}
