import { parseInterval } from '../../lib/intervals';
import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp quality run | report`: the data-quality rules now, or a run's results. */
export const qualityCommand: CliCommand = {
  name: 'quality',
  help: [
    [
      'quality run [--table S.T ...] [--interval S/E]',
      'run the data-quality rules (all, or for the given tables); exit 1 on an error',
    ],
    ['quality report [--run RUN_ID]', 'the results of a quality run (default the latest); exit 1 if it failed'],
  ],
  options: { table: { type: 'string', multiple: true }, interval: { type: 'string' }, run: { type: 'string' } },
  async run({ config, rest, opts, log }) {
    const [sub] = rest;
    const { qualityReport, qualityRun } = await import('../quality-commands');
    if (sub === 'run') {
      const interval = opts.string('interval');
      return qualityRun(config, opts.list('table'), interval === undefined ? undefined : parseInterval(interval), log);
    }
    if (sub === 'report') return qualityReport(config, opts.string('run'));
    throw new UsageError(
      'quality needs a subcommand: edp quality run [--table schema.table] | edp quality report [--run RUN_ID]',
    );
  },
};
