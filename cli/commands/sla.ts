import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp sla check | status`: evaluate the SLAs now, or their latest state. */
export const slaCommand: CliCommand = {
  name: 'sla',
  help: [
    [
      'sla check | status',
      'evaluate the SLAs now (records, alerts once per breach) | their latest state; exit 1 on a breach',
    ],
  ],
  async run({ config, rest, log }) {
    const { slaCheckNow, slaStatus } = await import('../sla-commands');
    if (rest[0] === 'check') return slaCheckNow(config, log);
    if (rest[0] === 'status') return slaStatus(config);
    throw new UsageError('sla needs a subcommand: edp sla check | edp sla status');
  },
};
