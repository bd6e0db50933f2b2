import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp stream …`: the load generator, the streaming workflows and stream backfills. */
export const streamCommand: CliCommand = {
  name: 'stream',
  help: [
    [
      'stream produce [--rate N --duration S --dirt F --topic T]',
      'produce sample events (claims, Debezium member/provider changes) at a steady rate',
    ],
    ['stream start | stop | status', 'the streamingIngest workflows (one per topic) and streamingMonitor'],
    [
      'stream backfill --topic T (--from-offset N --to-offset N | --from-time ISO --to-time ISO) [--partition P] [--no-wait]',
      'replay a range into raw without duplicating rows already there',
    ],
  ],
  options: {
    rate: { type: 'string' },
    duration: { type: 'string' },
    dirt: { type: 'string' },
    topic: { type: 'string' },
    seed: { type: 'string' },
    'from-offset': { type: 'string' },
    'to-offset': { type: 'string' },
    'from-time': { type: 'string' },
    'to-time': { type: 'string' },
    partition: { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  async run({ config, rest, opts, log }) {
    const sub = rest[0];
    const { streamBackfill, streamProduce, streamStart, streamStatus, streamStop } = await import('../stream-commands');
    if (sub === 'produce') {
      return streamProduce(
        config,
        {
          rate: opts.number('rate', 1000),
          duration: opts.number('duration', 10),
          dirt: opts.number('dirt', 0),
          topic: opts.string('topic'),
          seed: opts.optionalNumber('seed'),
        },
        log,
      );
    }
    if (sub === 'start') return streamStart(config, log);
    if (sub === 'stop') return streamStop(config, log);
    if (sub === 'status') return streamStatus(config);
    if (sub === 'backfill') {
      return streamBackfill(
        config,
        {
          topic: opts.string('topic'),
          fromOffset: opts.optionalNumber('from-offset'),
          toOffset: opts.optionalNumber('to-offset'),
          fromTime: opts.string('from-time'),
          toTime: opts.string('to-time'),
          partition: opts.optionalNumber('partition'),
          wait: !opts.flag('no-wait'),
        },
        log,
      );
    }
    throw new UsageError('stream needs a subcommand: produce | start | stop | status | backfill (see edp --help)');
  },
};
