import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureTemporalBinaries } from '../../infra/install';
import { testServices } from '../setup/test-services';

/** `temporal schedule backfill` (the real CLI) of one Schedule over (start, end], overlapping runs allowed. */
export async function backfillSchedule(scheduleId: string, start: string, end: string): Promise<void> {
  await promisify(execFile)(ensureTemporalBinaries().temporal, [
    'schedule',
    'backfill',
    '--schedule-id',
    scheduleId,
    '--start-time',
    start,
    '--end-time',
    end,
    '--overlap-policy',
    'AllowAll',
    '--address',
    testServices().temporalAddress,
  ]);
}
