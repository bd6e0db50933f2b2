import type { CliCommand } from '../command';

/** `edp cancel`: stops runs that are in progress, by workflow id or by interval. */
export const cancelCommand: CliCommand = {
  name: 'cancel',
  help: [
    [
      'cancel <run id>… | --interval S/E',
      'cancel runs in progress: pipeline runs, edp dbt runs (ids as edp run/dbt print them), or an interval’s',
    ],
  ],
  details: `edp cancel <workflow id>… | --interval S/E

Asks Temporal to cancel runs that are in progress and waits (up to a minute) until each has closed.
A run stops at its next cancellation point: a landing sensor between checks at once, a running
step when its activity next heartbeats. What it loaded stays loaded; running the interval again
later is safe.

  <workflow id>    any run, e.g. edp-pipeline-platform-2026-01-01T04:00Z or edp-dbt-build-20260101T040512Z-3f9a
                   (edp run, edp dbt and edp backfill print them; Ctrl-C on them prints this command)
  --interval S/E   the pipeline runs of that interval in progress, started by edp run or by the schedule

Exit code 1 when a run named is not in progress.
`,
  options: { interval: { type: 'string' } },
  async run({ config, rest, opts, log }) {
    const { cancelRuns } = await import('../cancel-command');
    const interval = opts.string('interval') === undefined ? undefined : opts.interval(config.pipeline.intervalHours);
    return cancelRuns(config, { ids: rest, interval, waitSeconds: 60 }, log);
  },
};
