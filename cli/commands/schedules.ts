import type { CliCommand } from '../command';
import { schedulesApply, schedulesShow } from '../schedule-commands';
import { UsageError } from '../session';

/** `edp schedules apply | show`: the pipeline's Temporal Schedule. */
export const schedulesCommand: CliCommand = {
  name: 'schedules',
  help: [['schedules apply | show', 'create or update the Temporal Schedule that runs the pipeline every interval']],
  run({ config, rest, log }) {
    const [sub] = rest;
    if (sub === 'apply') return schedulesApply(config, log);
    if (sub === 'show') return schedulesShow(config);
    throw new UsageError('schedules needs a subcommand: edp schedules apply | edp schedules show');
  },
};
