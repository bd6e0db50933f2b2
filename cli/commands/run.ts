import { pipelineWorkflowId } from '../../lib/ids';
import type { CliCommand } from '../command';
import { FULL_REFRESH_TABLE } from '../extract-warnings';

/** `edp run`: platformPipeline for one interval, watched to the end unless --no-wait. */
export const runCommand: CliCommand = {
  name: 'run',
  help: [
    [
      'run --interval S/E [--no-wait] [--full-refresh-table SOURCE.TABLE ...]',
      'run platformPipeline for one data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z',
    ],
  ],
  options: {
    interval: { type: 'string' },
    'no-wait': { type: 'boolean' },
    [FULL_REFRESH_TABLE]: { type: 'string', multiple: true },
  },
  async run({ config, opts, log }) {
    const interval = opts.interval(config.pipeline.intervalHours);
    const since = Date.now();
    const { temporalClient, withWorker } = await import('../session');
    const { resetWatermarks } = await import('../source-refresh');
    await resetWatermarks(config, opts.list(FULL_REFRESH_TABLE), log);
    if (opts.flag('no-wait')) {
      const { startedLine, startOrAttachPipeline } = await import('../pipeline-run');
      const { localWorkers, workerDaemonPid } = await import('../worker-daemon');
      const { client, close } = await temporalClient(config);
      const run = await startOrAttachPipeline(client, config, interval).finally(close);
      log(
        `${startedLine(run)}${workerDaemonPid(config) || localWorkers(config).length > 0 ? '' : ' (no worker is running: start one with `npx edp up`)'}`,
      );
      return 0;
    }
    const { runInterval } = await import('../demo-command');
    const { interruptibleWait } = await import('../run-wait');
    const id = pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes);
    const ok = await interruptibleWait(
      config,
      () => [id],
      () => withWorker(config, () => runInterval(config, interval, since), log),
    );
    return ok ? 0 : 1;
  },
};
