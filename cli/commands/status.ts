import type { CliCommand } from '../command';
import { status } from '../status-command';

/** `edp status`: the platform at a glance. */
export const statusCommand: CliCommand = {
  name: 'status',
  help: [['status', 'services, worker, latest runs, open dead letters and SLA states']],
  run: ({ config }) => status(config),
};
