import type { CliCommand } from '../command';
import { CliError, UsageError } from '../cli-errors';

const DAY_MS = 24 * 3600 * 1000;

/** An ISO date or timestamp option, or `fallback` when it was not given. */
function instant(value: string | undefined, name: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO date or timestamp, got "${value}"`);
  return date;
}

/** `edp access-report`: who read which consumption object when (Snowflake's access history). */
export const accessReportCommand: CliCommand = {
  name: 'access-report',
  help: [
    [
      'access-report [--since T] [--until T] [--detail] [--include-platform] [--json]',
      'who read which consumption object when (Snowflake ACCESS_HISTORY; default the last 7 days)',
    ],
  ],
  details: `edp access-report [--since 2026-03-01] [--until 2026-03-08] [--detail] [--include-platform] [--json]

Reads of the objects in governance.consumptionSchemas, from SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY
(the user) joined with QUERY_HISTORY (the role, and the QUERY_TAG that marks the platform's own
statements, left out unless --include-platform). Prints one row per object and user (reads, roles,
first and last read); --detail prints every read with its query id. ACCESS_HISTORY lags up to about
three hours and needs Enterprise Edition and a role granted the SNOWFLAKE database's
GOVERNANCE_VIEWER role (or IMPORTED PRIVILEGES on it). DuckDB keeps no access history: the command
says so and exits 1. See docs/security.md#governance.`,
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    detail: { type: 'boolean' },
    'include-platform': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ config, opts }) {
    const until = instant(opts.string('until'), 'until', new Date());
    const since = instant(opts.string('since'), 'since', new Date(until.getTime() - 7 * DAY_MS));
    if (since >= until) throw new UsageError('--since must be before --until');
    const { accessSummary, readAccessReport } = await import('../../activities/governance');
    const { withWarehouseReader } = await import('../session');
    const { table } = await import('../output');
    const reads = await withWarehouseReader(config, (source) =>
      readAccessReport(source, {
        since,
        until,
        schemas: config.governance.consumptionSchemas,
        includePlatform: opts.flag('include-platform'),
      }).catch((err: Error) => Promise.reject(new CliError(err.message))),
    );
    const rows: ReadonlyArray<Record<string, unknown>> = opts.flag('detail')
      ? reads.map((r) => ({ ...r }))
      : accessSummary(reads);
    console.log(opts.flag('json') ? JSON.stringify(rows, null, 2) : table(rows));
    return 0;
  },
};
