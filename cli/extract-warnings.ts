import type { TableExtractResult } from '../activities/ingest';
import { compactInstant, intervalArgument, type DataInterval } from '../lib/intervals';
import { num } from './output';

/** The option of `edp run` that re-extracts one SQL-source table whole. */
export const FULL_REFRESH_TABLE = 'full-refresh-table';

/**
 * Summary lines for SQL extracts whose watermark was already past the run's interval: an earlier interval run after
 * a later one extracts nothing of its own, which reads like success unless it is said.
 */
export function extractWarnings(extracts: readonly TableExtractResult[], interval: DataInterval): string[] {
  return extracts
    .filter((x) => x.watermarkPastInterval)
    .map(
      (x) =>
        `             WARNING ${x.source}.${x.table}: ${num(x.rowsLoaded)} loaded: watermark ${x.watermarkBefore} is after this interval ` +
        `(which ends ${compactInstant(interval.end)}), so rows of it were taken by a later interval's run or are skipped; ` +
        `to re-extract the whole table: npx edp run --interval ${intervalArgument(interval)} --${FULL_REFRESH_TABLE} ${x.source}.${x.table}`,
    );
}
