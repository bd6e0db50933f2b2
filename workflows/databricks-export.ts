import type { MartExportResult } from '../activities/export';
import type { DataInterval } from '../lib/intervals';
import { mapBounded, warehouseActivities, type StepOptions } from './step-options';

/** Input of {@link databricksExport}. */
export interface DatabricksExportInput {
  interval: DataInterval;
  steps: StepOptions;
  marts: string[];
}

/** What {@link databricksExport} wrote. */
export interface DatabricksExportResult {
  marts: MartExportResult[];
}

/** Publishes each configured mart to the export location. */
export async function databricksExport(input: DatabricksExportInput): Promise<DatabricksExportResult> {
  const acts = warehouseActivities(input.steps);
  const marts = await mapBounded(input.marts, 2, (mart) => acts.exportMart({ mart, interval: input.interval }));
  return { marts };
}
