import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp pipelines list | show [name] | graph <name>`: the configured pipelines, their schedules, steps and ids. */
export const pipelinesCommand: CliCommand = {
  name: 'pipelines',
  help: [
    [
      'pipelines list | show [name]',
      'the configured pipelines: schedules, triggers, steps and workflow and schedule ids',
    ],
    ['pipelines graph <name> [--dot]', 'a declared pipeline’s step DAG, layer by layer (or as Graphviz)'],
  ],
  options: { dot: { type: 'boolean' } },
  async run({ config, rest, opts }) {
    const [sub, name] = rest;
    const { pipelinesList, pipelinesShow } = await import('../pipelines-command');
    if (sub === 'list') return pipelinesList(config, new Date());
    if (sub === 'show') return pipelinesShow(config, name, new Date());
    if (sub === 'graph' && name) {
      const { pipelineGraph } = await import('../declared-pipelines');
      console.log(pipelineGraph(config, name, opts.flag('dot')));
      return 0;
    }
    throw new UsageError(
      'pipelines needs a subcommand: edp pipelines list | edp pipelines show [name] | edp pipelines graph <name>',
    );
  },
};
