import type { CliCommand } from '../command';

/** `edp status`: the platform at a glance. */
export const statusCommand: CliCommand = {
  name: 'status',
  help: [['status', 'services, worker, latest runs, open dead letters and SLA states']],
  async run({ config }) {
    const { status } = await import('../status-command');
    return status(config);
  },
};
