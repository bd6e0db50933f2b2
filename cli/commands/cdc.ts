import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp cdc …`: the Debezium connector that streams the operational database's changes into Kafka. */
export const cdcCommand: CliCommand = {
  name: 'cdc',
  help: [
    ['cdc start [--no-wait]', 'prepare the source (publication, heartbeat table) and register the Debezium connector'],
    ['cdc status', 'connector and task state, replication slot lag in bytes and seconds'],
    ['cdc stop [--drop-slot]', 'remove the connector (and its slot and offsets: the next start snapshots again)'],
  ],
  details: `edp cdc start | status | stop

Change data capture from the PostgreSQL source named by cdc.source (docs/cdc.md). \`edp up\` runs
Kafka Connect with the Debezium plugin on 127.0.0.1:<cdc.connect.port> when a cdc section exists.

  start [--no-wait]   create the captured tables the source lacks, the heartbeat table and the
                      publication; register (or update) the connector; wait until its task runs
  status              connector and task states, the slot's lag (bytes of WAL held, seconds behind);
                      exit code 1 unless the connector and its task are RUNNING
  stop [--drop-slot]  remove the connector; the slot stays (the source keeps WAL for it) unless
                      --drop-slot, which also clears the connector's offsets
`,
  options: { 'no-wait': { type: 'boolean' }, 'drop-slot': { type: 'boolean' } },
  async run({ config, rest, opts, log }) {
    const sub = rest[0];
    const { cdcStart, cdcStatus, cdcStop } = await import('../cdc-commands');
    if (sub === 'start') return cdcStart(config, !opts.flag('no-wait'), log);
    if (sub === 'status') return cdcStatus(config, log);
    if (sub === 'stop') return cdcStop(config, opts.flag('drop-slot'), log);
    throw new UsageError('cdc needs a subcommand: start | status | stop (see edp cdc --help)');
  },
};
