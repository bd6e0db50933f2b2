import {
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LineageEventInput, LineageRunRef } from '../activities/lineage';
import { emptyConsumeResult, type ConsumeResult } from '../lib/stream-counts';
import { errorClassOf } from './failure-info';
import { lineageEmitter } from './lineage-emitter';
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
  /** The stream's OpenLineage START went out (carried over continue-as-new: one run for the whole stream). */
  lineageStarted?: boolean;
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
  // One lineage run per stream, from its start until it is stopped or fails: the chain's first run id names it.
  const lineage = lineageEmitter(input.steps);
  const info = workflowInfo();
  const run: LineageRunRef = { job: `stream.${input.topic}`, runKey: `${info.workflowId}/${info.firstExecutionRunId}` };
  const event = (eventType: LineageEventInput['eventType'], errorClass?: string): LineageEventInput[] => [
    {
      eventType,
      eventTime: new Date().toISOString(),
      run,
      io: { kind: 'stream', topic: input.topic },
      ...(errorClass ? { errorClass } : {}),
    },
  ];
  if (!input.lineageStarted) lineage.emit(event('START'));
  try {
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
  } catch (err) {
    // A stopped stream still reports how it ended: in a scope its cancellation does not reach.
    await CancellationScope.nonCancellable(async () => {
      lineage.emit(isCancellation(err) ? event('ABORT') : event('FAIL', errorClassOf(err)));
      await lineage.flush();
    });
    throw err;
  }
  await lineage.flush();
  return continueAsNew<typeof streamingIngest>({
    ...input,
    totals: progress,
    ...(lineage.on ? { lineageStarted: true } : {}),
  });
}
