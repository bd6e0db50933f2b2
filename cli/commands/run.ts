import { pipelineWorkflowId } from '../../lib/ids';
import type { CliCommand } from '../command';
import { FULL_REFRESH_TABLE } from '../extract-warnings';
import { parseInterval } from '../../lib/intervals';
import { UsageError } from '../cli-errors';

/** `edp run [pipeline]`: one interval of a pipeline (the `pipeline` section's by default), watched to the end unless --no-wait. */
export const runCommand: CliCommand = {
  name: 'run',
  help: [
    [
      'run --interval S/E [--no-wait] [--full-refresh-table SOURCE.TABLE ...]',
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
    [FULL_REFRESH_TABLE]: { type: 'string', multiple: true },
  },
  async run({ config, rest, opts, log }) {
    const name = rest[0] ?? config.pipeline.name;
    const declared = name !== config.pipeline.name;
    // The platform pipeline's runs must be its schedule's intervals; a declared pipeline's plan checks its own.
    const given = opts.string('interval');
    if (declared && !given) throw new UsageError('--interval <start>/<end> is required');
    const interval = declared && given ? parseInterval(given) : opts.interval(config.pipeline.intervalHours);
    const since = Date.now();
    const { parseVars } = await import('../dbt-command');
    const vars = parseVars(opts.string('vars'));
    const params = vars || opts.flag('full-refresh') ? { vars, fullRefresh: opts.flag('full-refresh') } : undefined;
    const { temporalClient, withWorker } = await import('../session');
    const { resetWatermarks } = await import('../source-refresh');
    await resetWatermarks(config, opts.list(FULL_REFRESH_TABLE), log);
    if (opts.flag('no-wait')) {
      const { startedLine, startOrAttachPipeline } = await import('../pipeline-run');
      const { localWorkers, workerDaemonPid } = await import('../worker-daemon');
      const { client, close } = await temporalClient(config);
      const { startDeclaredRun } = await import('../declared-run');
      const line = declared
        ? `started ${(await startDeclaredRun(client, config, name, interval, params).finally(close)).workflowId}`
        : startedLine(await startOrAttachPipeline(client, config, interval, params).finally(close));
      log(
        `${line}${workerDaemonPid(config) || localWorkers(config).length > 0 ? '' : ' (no worker is running: start one with `npx edp up`)'}`,
      );
      return 0;
    }
    if (declared) {
      const { runDeclared } = await import('../declared-run');
      return (await withWorker(config, () => runDeclared(config, name, interval, params, log), log)) ? 0 : 1;
    }
    const { runInterval } = await import('../demo-command');
    const { interruptibleWait } = await import('../run-wait');
    const id = pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes);
    const ok = await interruptibleWait(
      config,
      () => [id],
      () => withWorker(config, () => runInterval(config, interval, since, params), log),
    );
    return ok ? 0 : 1;
  },
};
