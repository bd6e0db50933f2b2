import { parseArgs } from 'node:util';
import { EdpError } from '../lib/errors';
import { commandLineOptions, CommandOptions } from './command';
import { COMMANDS, findCommand } from './commands';
import { overviewHelp } from './help';
import { enginesNodeOf, nodeSupportWarning } from './node-support';
import { CliError, UsageError } from './cli-errors';

function log(message: string): void {
  console.log(message);
}

function parseCommandLine(argv: string[]) {
  const options = commandLineOptions(COMMANDS);
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see edp --help`);
  }
}

/** The AWS SDK (S3 uploads) sets the oldest Node the platform runs on. */
const NODE_FLOOR_PACKAGE = '@aws-sdk/client-s3';

async function main(argv: string[]): Promise<number> {
  const old = nodeSupportWarning(process.version, NODE_FLOOR_PACKAGE, enginesNodeOf(NODE_FLOOR_PACKAGE));
  if (old) console.error(old);
  const { values, positionals } = parseCommandLine(argv);
  const [name, ...rest] = positionals;
  if (!name || values.help || name === 'help') {
    console.log((name && findCommand(name)?.details) ?? overviewHelp(COMMANDS));
    return 0;
  }
  const command = findCommand(name);
  if (!command) throw new UsageError(`unknown command "${name}"; see edp --help`);
  // Loaded only now: the config brings the warehouse and codec modules, which help and usage errors never need.
  const { loadConfig } = await import('../workers/config');
  const loaded = loadConfig({ file: typeof values.config === 'string' ? values.config : undefined });
  return command.run({ loaded, config: loaded.config, rest, opts: new CommandOptions(values), log });
}

const KNOWN_ERRORS = new Set(['ServiceError', 'IntervalError', 'TypeError']);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    const e = err as Error;
    const known = err instanceof CliError || err instanceof EdpError || KNOWN_ERRORS.has(e.name);
    // The useful part of a workflow failure is its root cause and where it happened. Loaded only then:
    // it brings Temporal's client, which help and usage errors never need.
    if (e.name === 'WorkflowFailedError') {
      const { describeFailure } = await import('./failure-chain');
      console.error(`edp: ${describeFailure(e)}`);
    } else console.error(`edp: ${known ? e.message : (e.stack ?? String(e))}`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  },
);
