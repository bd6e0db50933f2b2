import { defineQuery, executeChild, setCurrentDetails, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { TableExtractResult, UnmatchedFiles } from '../activities/ingest';
import { summarizeLoads, type FileLoadSummary } from './file-load-summary';
import { ingestBatchWorkflowId } from '../lib/ids';
import { loadFileBatch } from './load-file-batch';
import type { DataInterval } from '../lib/intervals';
import {
  describeLandingSensor,
  landingSensorStatus,
  type LandingSensorStatus,
  type SensorCheck,
} from '../lib/landing-sensor';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link batchIngest}. */
export interface BatchIngestInput {
  interval: DataInterval;
  steps: StepOptions;
  /** Landing sensor: how often to look for missing files and how long to wait for them (Airflow's poke/timeout). */
  sensor: { pokeMinutes: number; timeoutMinutes: number };
  /** Files loaded at once. @default 4 */
  maxParallel?: number;
  /** Above this many files, batches of this size load in child workflows. @default 200 */
  filesPerChild?: number;
  /** SQL-source tables to extract (source and table names from config). */
  sqlTables?: Array<{ source: string; table: string }>;
  /** Landing entities to load; every configured one when omitted. */
  entities?: string[];
}

/** What {@link batchIngest} loaded: counts for all files, the first results, and every SQL-source table. */
export interface BatchIngestResult extends FileLoadSummary {
  /** Entities with no file when the sensor timed out. */
  missing: string[];
  /** Files in the landing folder that match no entity's pattern: neither loaded nor waited for. */
  unmatched: UnmatchedFiles;
  /** SQL-source tables extracted, with their watermarks. */
  extracts: TableExtractResult[];
  sensorPokes: number;
}

/** Query: what the landing sensor waits for (undefined before its first check). */
export const landingSensorQuery = defineQuery<LandingSensorStatus | undefined>('landingSensor');

/** Waits for the interval's landing files (durable timers), then loads each into `raw` exactly once. */
export async function batchIngest(input: BatchIngestInput): Promise<BatchIngestResult> {
  const acts = warehouseActivities(input.steps, 'ingest');
  const deadline = Date.now() + input.sensor.timeoutMinutes * 60_000; // workflow time: deterministic
  const pokeMs = input.sensor.pokeMinutes * 60_000;
  // The sensor's status is read-only state (a query and the Web UI's current details): no command, replay-safe.
  let sensor: LandingSensorStatus | undefined;
  let pokes = 1;
  setHandler(landingSensorQuery, () => sensor);
  const report = (c: SensorCheck, state: LandingSensorStatus['state'], nextCheckAt?: number): void => {
    sensor = landingSensorStatus(c, { state, checks: pokes, timesOutAt: deadline, nextCheckAt });
    setCurrentDetails(describeLandingSensor(sensor));
  };
  // Only runs that name entities send them, so recorded inputs of older runs stay as they were.
  const landing = input.entities
    ? { interval: input.interval, entities: input.entities }
    : { interval: input.interval };
  let check = await acts.checkLandingFiles(landing);
  while (check.missing.length > 0 && Date.now() + pokeMs <= deadline) {
    report(check, 'waiting', Date.now() + pokeMs);
    await sleep(`${input.sensor.pokeMinutes}m`);
    pokes++;
    check = await acts.checkLandingFiles(landing);
  }
  report(check, check.missing.length > 0 ? 'timed out' : 'complete');
  const runId = workflowInfo().workflowId;
  const maxParallel = input.maxParallel ?? 4;
  const perChild = input.filesPerChild ?? 200;
  let loaded: FileLoadSummary;
  if (check.files.length <= perChild) {
    const loads = await mapBounded(check.files, maxParallel, (f) =>
      acts.loadLandingFile({ ...f, interval: input.interval, runId }),
    );
    loaded = summarizeLoads(loads);
  } else {
    // Thousands of files: batches in child workflows keep every history far below Temporal's limits.
    const batches = Array.from({ length: Math.ceil(check.files.length / perChild) }, (_, b) =>
      check.files.slice(b * perChild, (b + 1) * perChild),
    );
    const children = await mapBounded(batches, 2, (files, b) =>
      executeChild(loadFileBatch, {
        workflowId: ingestBatchWorkflowId(runId, b + 1),
        args: [{ interval: input.interval, steps: input.steps, files, maxParallel, runId }],
      }),
    );
    loaded = summarizeLoads([], undefined, children);
  }
  const extracts = await mapBounded(input.sqlTables ?? [], maxParallel, (t) =>
    acts.extractSqlTable({ ...t, interval: input.interval, runId }),
  );
  return {
    ...loaded,
    rowsIn: loaded.rowsIn + extracts.reduce((n, x) => n + x.rowsIn, 0),
    rowsLoaded: loaded.rowsLoaded + extracts.reduce((n, x) => n + x.rowsLoaded, 0),
    rowsQuarantined: loaded.rowsQuarantined + extracts.reduce((n, x) => n + x.rowsQuarantined, 0),
    missing: check.missing,
    unmatched: check.unmatched ?? { files: [], total: 0 },
    extracts,
    sensorPokes: pokes,
  };
}
