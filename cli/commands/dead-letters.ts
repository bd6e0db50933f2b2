import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp dead-letters [list] | retry`: failed runs, and running their intervals again. */
export const deadLettersCommand: CliCommand = {
  name: 'dead-letters',
  help: [
    ['dead-letters [list] [--all]', 'failed runs whose interval has not completed since (--all: every one)'],
    ['dead-letters retry <run-id ...> | --all', 'run the pipeline again for those intervals (steps are idempotent)'],
  ],
  options: { all: { type: 'boolean' } },
  async run({ config, rest, opts, log }) {
    const { deadLettersList, deadLettersRetry } = await import('../dead-letter-commands');
    if (rest[0] === 'retry') return deadLettersRetry(config, rest.slice(1), opts.flag('all'), log);
    if (rest[0] === undefined || rest[0] === 'list') return deadLettersList(config, opts.flag('all'));
    throw new UsageError('dead-letters: edp dead-letters [list] [--all] | edp dead-letters retry <run-id ...> | --all');
  },
};
