import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp schedules apply | show`: the pipeline's Temporal Schedule. */
export const schedulesCommand: CliCommand = {
  name: 'schedules',
  help: [['schedules apply | show', 'create or update the Temporal Schedule that runs the pipeline every interval']],
  async run({ config, rest, log }) {
    const [sub] = rest;
    const { schedulesApply, schedulesShow } = await import('../schedule-commands');
    if (sub === 'apply') return schedulesApply(config, log);
    if (sub === 'show') return schedulesShow(config);
    throw new UsageError('schedules needs a subcommand: edp schedules apply | edp schedules show');
  },
};
