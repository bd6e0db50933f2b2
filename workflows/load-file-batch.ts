import { workflowInfo } from '@temporalio/workflow';
import type { DataInterval } from '../lib/intervals';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';
import { summarizeLoads, type FileLoadSummary } from './file-load-summary';

/** Input of {@link loadFileBatch}. */
export interface LoadFileBatchInput {
  interval: DataInterval;
  steps: StepOptions;
  files: Array<{ entity: string; file: string }>;
  maxParallel: number;
  /** Run id stored on the rows: the parent ingest's workflow id. */
  runId: string;
}

/** Loads one batch of an interval's landing files; a child of batchIngest, so each history stays small. */
export async function loadFileBatch(input: LoadFileBatchInput): Promise<FileLoadSummary> {
  const acts = warehouseActivities(input.steps, 'ingest');
  const loads = await mapBounded(input.files, input.maxParallel, (f) =>
    acts.loadLandingFile({ ...f, interval: input.interval, runId: input.runId }),
  );
  return summarizeLoads(loads, workflowInfo().workflowId);
}
