import { continueAsNew, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { emptyConsumeResult, type ConsumeResult } from '../lib/stream-counts';
import { streamingQueueOf, type StepOptions } from './step-options';

/** Input of {@link streamingIngest}. */
export interface StreamingIngestInput {
  topic: string;
  steps: StepOptions;
  /** Seconds one consumer activity runs before the next starts. */
  activitySeconds: number;
  /** Consumer activities per workflow run before continue-as-new. @default 20 */
  runsPerWorkflow?: number;
  /** Totals carried over continue-as-new. */
  totals?: StreamingIngestProgress;
}

/** Counts since the stream was started, and the latest positions. */
export interface StreamingIngestProgress extends ConsumeResult {
  activityRuns: number;
}

/** Query `progress`: the stream's counts and warehouse positions. */
export const streamingIngestProgress = defineQuery<StreamingIngestProgress>('progress');

/**
 * Ingests a Kafka topic continuously: a heartbeating consumer activity after another, each writing
 * micro-batches exactly once into `raw.<table>` and merging into staging; the history stays bounded by
 * continuing as new every `runsPerWorkflow` activities. Cancel the workflow to stop the stream.
 */
export async function streamingIngest(input: StreamingIngestInput): Promise<never> {
  const progress: StreamingIngestProgress = input.totals ?? { ...emptyConsumeResult(input.topic), activityRuns: 0 };
  setHandler(streamingIngestProgress, () => progress);
  // A stream never gives up: retries back off to a minute and go on (a broker outage only pauses it).
  const { consumeStream } = proxyActivities<Activities>({
    taskQueue: streamingQueueOf(input.steps),
    startToCloseTimeout: `${input.activitySeconds + 300}s`,
    heartbeatTimeout: `${input.steps.heartbeatSeconds ?? 30}s`,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' }, // no attempt limit
  });
  for (let i = 0; i < (input.runsPerWorkflow ?? 20); i++) {
    const r = await consumeStream({ topic: input.topic, runSeconds: input.activitySeconds });
    progress.activityRuns++;
    progress.messages += r.messages;
    progress.rowsInserted += r.rowsInserted;
    progress.deadLetters += r.deadLetters;
    progress.skipped += r.skipped;
    progress.merged += r.merged;
    progress.positions = r.positions;
  }
  return continueAsNew<typeof streamingIngest>({ ...input, totals: progress });
}
