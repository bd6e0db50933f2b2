import type { CliCommand } from './command';

const USAGE_COLUMN = 34;

/** `edp --help`: the overview, one or more rows per command. */
export function overviewHelp(commands: readonly CliCommand[]): string {
  const rows = commands.flatMap((c) => c.help);
  const lines = rows.map(([usage, description]) =>
    usage.length < USAGE_COLUMN - 1
      ? `  ${usage.padEnd(USAGE_COLUMN)}${description}`
      : `  ${usage}\n${' '.repeat(USAGE_COLUMN + 2)}${description}`,
  );
  return `edp — EDP Pipelines: the data platform's pipelines on Temporal

Usage: edp <command> [options]      (every command takes --config FILE; default ./edp.config.yaml)

${lines.join('\n')}
`;
}
