import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureTemporalBinaries } from '../../infra/install';
import type { EdpConfig } from '../../workers/config-schema';
import { testServices } from '../setup/test-services';

/** Where {@link backfillSchedule} sends the backfill and how overlapping runs are handled. */
export interface BackfillOptions {
  /** `--overlap-policy` (default AllowAll: runs side by side). */
  overlapPolicy?: 'AllowAll' | 'BufferAll';
  /** The server, namespace and TLS files of this `temporal` section (default the test run's dev server). */
  temporal?: EdpConfig['temporal'];
}

/** The `temporal` CLI's connection flags for a config's `temporal` section: address, namespace, mTLS files. */
function connectionFlags(temporal: EdpConfig['temporal']): string[] {
  const tls = temporal.tls;
  const flag = (name: string, value: string | undefined) => (value === undefined ? [] : [name, value]);
  return [
    ...['--address', temporal.address, '--namespace', temporal.namespace],
    ...flag('--tls-ca-path', tls?.caFile),
    ...flag('--tls-cert-path', tls?.certFile),
    ...flag('--tls-key-path', tls?.keyFile),
    ...flag('--tls-server-name', tls?.serverName),
  ];
}

/** `temporal schedule backfill` (the real CLI) of one Schedule over (start, end]. */
export async function backfillSchedule(
  scheduleId: string,
  start: string,
  end: string,
  options: BackfillOptions = {},
): Promise<void> {
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
    options.overlapPolicy ?? 'AllowAll',
    ...(options.temporal ? connectionFlags(options.temporal) : ['--address', testServices().temporalAddress]),
  ]);
}
