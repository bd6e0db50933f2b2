import type { ParseArgsConfig } from 'node:util';
import type { EdpConfig } from '../workers/config-schema';
import { parseInterval, scheduleInterval, type DataInterval } from '../lib/intervals';
import type { LoadedConfig } from '../workers/config';
import { UsageError } from './cli-errors';

/** Command-line options a command accepts, as `node:util` parseArgs declares them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Option values as parsed from the command line. */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** The parsed options of one command line, read by name. */
export class CommandOptions {
  constructor(private readonly values: OptionValues) {}

  /** A string option, or undefined when it was not given. */
  string(key: string): string | undefined {
    const v = this.values[key];
    return typeof v === 'string' ? v : undefined;
  }

  /** Whether a boolean option was given. */
  flag(key: string): boolean {
    return this.values[key] === true;
  }

  /** Every value of a repeatable option, in order. */
  list(key: string): string[] {
    const v = this.values[key];
    return Array.isArray(v) ? v.map(String) : [];
  }

  /** A non-negative number option, `fallback` when it was not given. */
  number(key: string, fallback: number): number {
    const v = this.values[key];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new UsageError(`--${key} must be a non-negative number, got "${String(v)}"`);
    return n;
  }

  /** A non-negative number option, or undefined when it was not given. */
  optionalNumber(key: string): number | undefined {
    return this.values[key] === undefined ? undefined : this.number(key, 0);
  }

  /** The required `--interval S/E`: one of the pipeline's schedule intervals, `hours` long. */
  interval(hours: number): DataInterval {
    const v = this.values.interval;
    if (typeof v !== 'string')
      throw new UsageError('--interval <start>/<end> is required, e.g. --interval 2026-01-01T04:00Z/2026-01-01T08:00Z');
    return scheduleInterval(parseInterval(v), hours);
  }
}

/** What a command's handler receives. */
export interface CommandContext {
  /** The config and the file it came from. */
  loaded: LoadedConfig;
  config: EdpConfig;
  /** The words after the command name (its subcommand and arguments). */
  rest: string[];
  opts: CommandOptions;
  log: (message: string) => void;
}

/** One `edp` command: its name, its rows in `edp --help`, the options it takes and its handler. */
export interface CliCommand {
  name: string;
  /** Other names that run the same handler. */
  aliases?: readonly string[];
  /** Its rows in `edp --help` as [usage, description]; a usage too long for the column gets a line of its own. */
  help: ReadonlyArray<readonly [string, string]>;
  /** Longer help, printed by `edp <name> --help` instead of the overview. */
  details?: string;
  options?: OptionSpecs;
  /** Runs the command; resolves to the process exit code. */
  run(ctx: CommandContext): number | Promise<number>;
}

/** The options every command line may carry: the global ones and each command's, which must agree by name. */
export function commandLineOptions(commands: readonly CliCommand[]): OptionSpecs {
  const options: OptionSpecs = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
  for (const c of commands) {
    for (const [name, spec] of Object.entries(c.options ?? {})) {
      if (options[name] && JSON.stringify(options[name]) !== JSON.stringify(spec))
        throw new TypeError(`edp ${c.name}: option --${name} is declared differently by another command`);
      options[name] = spec;
    }
  }
  return options;
}
