import { parseInterval } from '../../lib/intervals';
import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp backfill`: the pipeline over a range of intervals. */
export const backfillCommand: CliCommand = {
  name: 'backfill',
  help: [
    [
      'backfill --from T --to T [--mode missing|failed|all] [--concurrency N] [--dry-run]',
      'run the intervals in [from, to) the mode selects (default missing, concurrency 2)',
    ],
  ],
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    mode: { type: 'string' },
    concurrency: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ config, opts, log }) {
    const [fromText, toText] = [opts.string('from'), opts.string('to')];
    if (fromText === undefined || toText === undefined) {
      throw new UsageError('backfill needs --from and --to, e.g. --from 2026-01-01T00:00Z --to 2026-01-02T00:00Z');
    }
    const mode = opts.string('mode') ?? 'missing';
    if (mode !== 'missing' && mode !== 'failed' && mode !== 'all')
      throw new UsageError(`--mode must be missing, failed or all, got "${mode}"`);
    const { start: from, end: to } = parseInterval(`${fromText}/${toText}`);
    const { backfill } = await import('../backfill-command');
    return backfill(
      config,
      {
        from: new Date(from),
        to: new Date(to),
        mode,
        concurrency: opts.number('concurrency', 2),
        dryRun: opts.flag('dry-run'),
      },
      log,
    );
  },
};
