import { sleep, workflowInfo } from '@temporalio/workflow';
import type { FileLoadResult, TableExtractResult } from '../activities/ingest';
import type { DataInterval } from '../lib/intervals';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link batchIngest}. */
export interface BatchIngestInput {
  interval: DataInterval;
  steps: StepOptions;
  /** Landing sensor: how often to look for missing files and how long to wait for them (Airflow's poke/timeout). */
  sensor: { pokeMinutes: number; timeoutMinutes: number };
  /** Files loaded at once. @default 4 */
  maxParallel?: number;
  /** SQL-source tables to extract (source and table names from config). */
  sqlTables?: Array<{ source: string; table: string }>;
}

/** What {@link batchIngest} loaded. */
export interface BatchIngestResult {
  files: FileLoadResult[];
  /** Entities whose file had not landed when the sensor timed out. */
  missing: string[];
  /** SQL-source tables extracted, with their watermarks. */
  extracts: TableExtractResult[];
  /** Files that could not be parsed at all, quarantined whole, with the reason. */
  quarantinedFiles: Array<{ file: string; reason: string }>;
  sensorPokes: number;
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
}

/** Waits for the interval's landing files (durable timers), then loads each into `raw` exactly once. */
export async function batchIngest(input: BatchIngestInput): Promise<BatchIngestResult> {
  const acts = warehouseActivities(input.steps);
  const deadline = Date.now() + input.sensor.timeoutMinutes * 60_000; // workflow time: deterministic
  let pokes = 1;
  let check = await acts.checkLandingFiles({ interval: input.interval });
  while (check.missing.length > 0 && Date.now() + input.sensor.pokeMinutes * 60_000 <= deadline) {
    await sleep(`${input.sensor.pokeMinutes}m`);
    pokes++;
    check = await acts.checkLandingFiles({ interval: input.interval });
  }
  const runId = workflowInfo().workflowId;
  const files = await mapBounded(check.present, input.maxParallel ?? 4, (entity) =>
    acts.loadLandingFile({ entity, interval: input.interval, runId }),
  );
  const extracts = await mapBounded(input.sqlTables ?? [], input.maxParallel ?? 4, (t) =>
    acts.extractSqlTable({ ...t, interval: input.interval, runId }),
  );
  const sum = (key: 'rowsIn' | 'rowsLoaded' | 'rowsQuarantined'): number =>
    [...files, ...extracts].reduce((n, f) => n + f[key], 0);
  return {
    files,
    extracts,
    missing: check.missing,
    quarantinedFiles: files.flatMap((f) => (f.quarantinedFile ? [{ file: f.file, reason: f.quarantinedFile }] : [])),
    sensorPokes: pokes,
    rowsIn: sum('rowsIn'),
    rowsLoaded: sum('rowsLoaded'),
    rowsQuarantined: sum('rowsQuarantined'),
  };
}
