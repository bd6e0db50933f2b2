import { workflowInfo } from '@temporalio/workflow';
import type { MartExportResult } from '../activities/export';
import type { ExportMode } from '../lib/config/schema';
import type { DataInterval } from '../lib/intervals';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link databricksExport}. */
export interface DatabricksExportInput {
  interval: DataInterval;
  steps: StepOptions;
  marts: Array<{ name: string; mode: ExportMode }>;
  /**
   * Delta `txn` version of this export; the platform pipeline passes its run's start time, so a
   * retried export is recognised and a later run of the same interval replaces it.
   * @default this workflow run's start time in ms
   */
  txnVersion?: number;
}

/** What {@link databricksExport} wrote: per mart its Delta version, rows, bytes and files. */
export interface DatabricksExportResult {
  marts: MartExportResult[];
}

/** Publishes each configured mart as a Delta Lake table, exactly once per run. */
export async function databricksExport(input: DatabricksExportInput): Promise<DatabricksExportResult> {
  const acts = warehouseActivities(input.steps, 'export');
  const info = workflowInfo();
  const txnVersion = input.txnVersion ?? info.runStartTime.getTime();
  const marts = await mapBounded(input.marts, 2, (m) =>
    acts.exportMart({ mart: m.name, mode: m.mode, interval: input.interval, runId: info.workflowId, txnVersion }),
  );
  return { marts };
}
