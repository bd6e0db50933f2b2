import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp pipelines list | show [name]`: the configured pipeline, its schedule, steps and ids. */
export const pipelinesCommand: CliCommand = {
  name: 'pipelines',
  help: [
    ['pipelines list | show [name]', 'the configured pipeline: its schedule, steps and workflow and schedule ids'],
  ],
  async run({ config, rest }) {
    const [sub, name] = rest;
    const { pipelinesList, pipelinesShow } = await import('../pipelines-command');
    if (sub === 'list') return pipelinesList(config, new Date());
    if (sub === 'show') return pipelinesShow(config, name, new Date());
    throw new UsageError('pipelines needs a subcommand: edp pipelines list | edp pipelines show [name]');
  },
};
