import type { CliCommand } from '../command';
import { parseVars } from '../dbt-command';
import { runDeclared, startDeclaredRun } from '../declared-run';
import { runInterval } from '../demo-command';
import { startPipeline } from '../pipeline-run';
import { temporalClient, withWorker } from '../session';
import { localWorkers, workerDaemonPid } from '../worker-daemon';

/** `edp run [pipeline]`: one interval of a pipeline (the `pipeline` section's by default), watched to the end unless --no-wait. */
export const runCommand: CliCommand = {
  name: 'run',
  help: [
    [
      'run --interval S/E [--no-wait]',
      'run platformPipeline for one data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z',
    ],
    [
      'run <pipeline> --interval S/E [--vars YAML] [--full-refresh]',
      'run a declared pipeline (or the platform one) for an interval with parameters, recorded on the run',
    ],
  ],
  options: {
    interval: { type: 'string' },
    'no-wait': { type: 'boolean' },
    vars: { type: 'string' },
    'full-refresh': { type: 'boolean' },
  },
  async run({ config, rest, opts, log }) {
    const interval = opts.interval();
    const since = Date.now();
    const name = rest[0] ?? config.pipeline.name;
    const vars = parseVars(opts.string('vars'));
    const params = vars || opts.flag('full-refresh') ? { vars, fullRefresh: opts.flag('full-refresh') } : undefined;
    const declared = name !== config.pipeline.name;
    if (opts.flag('no-wait')) {
      const { client, close } = await temporalClient(config);
      const handle = await (
        declared
          ? startDeclaredRun(client, config, name, interval, params)
          : startPipeline(client, config, interval, params)
      ).finally(close);
      log(
        `started ${handle.workflowId}${workerDaemonPid(config) || localWorkers(config).length > 0 ? '' : ' (no worker is running: start one with `npx edp up`)'}`,
      );
      return 0;
    }
    const ok = await withWorker(
      config,
      () =>
        declared ? runDeclared(config, name, interval, params, log) : runInterval(config, interval, since, params),
      log,
    );
    return ok ? 0 : 1;
  },
};
