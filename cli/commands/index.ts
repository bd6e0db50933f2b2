import type { CliCommand } from '../command';
import { accessReportCommand } from './access-report';
import { cdcCommand } from './cdc';
import { backfillCommand } from './backfill';
import { codecKeysCommand } from './codec-keys';
import { codecServerCommand } from './codec-server';
import { configCommand } from './config';
import { consoleCommand } from './console';
import { dbtCommand } from './dbt';
import { deadLettersCommand } from './dead-letters';
import { downCommand } from './down';
import { generateCommand } from './generate';
import { installCommand } from './install';
import { pipelinesCommand } from './pipelines';
import { qualityCommand } from './quality';
import { queryCommand } from './query';
import { realtimeCommand } from './realtime';
import { runCommand } from './run';
import { schedulesCommand } from './schedules';
import { schemaChangesCommand } from './schema-changes';
import { slaCommand } from './sla';
import { startCommand } from './start';
import { statusCommand } from './status';
import { streamCommand } from './stream';
import { upCommand } from './up';
import { workerCommand } from './worker';
import { cancelCommand } from './cancel';

/** Every `edp` command, in the order `edp --help` lists them; a new command is one file and one line here. */
export const COMMANDS: readonly CliCommand[] = [
  startCommand,
  upCommand,
  downCommand,
  statusCommand,
  configCommand,
  installCommand,
  workerCommand,
  runCommand,
  pipelinesCommand,
  generateCommand,
  queryCommand,
  schedulesCommand,
  backfillCommand,
  dbtCommand,
  qualityCommand,
  streamCommand,
  realtimeCommand,
  deadLettersCommand,
  slaCommand,
  schemaChangesCommand,
  codecKeysCommand,
  codecServerCommand,
  accessReportCommand,
  cancelCommand,
  consoleCommand,
  cdcCommand,
];

/** The command a name or alias on the command line stands for. */
export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
