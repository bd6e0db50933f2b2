import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp realtime start | stop | status`: the near-real-time refresh. */
export const realtimeCommand: CliCommand = {
  name: 'realtime',
  help: [
    [
      'realtime start | stop | status',
      'near-real-time objects: deploy and keep curation tables within their target lag',
    ],
    ['', "(realtimeRefresh) | cancel it | each table's lag; exit 1 when one is behind"],
  ],
  async run({ config, rest, log }) {
    const { realtimeStart, realtimeStatus, realtimeStop } = await import('../realtime-commands');
    if (rest[0] === 'start') return realtimeStart(config, log);
    if (rest[0] === 'stop') return realtimeStop(config, log);
    if (rest[0] === 'status') return realtimeStatus(config);
    throw new UsageError('realtime needs a subcommand: edp realtime start | stop | status');
  },
};
