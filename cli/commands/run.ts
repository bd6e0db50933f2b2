import type { CliCommand } from '../command';

/** `edp run`: platformPipeline for one interval, watched to the end unless --no-wait. */
export const runCommand: CliCommand = {
  name: 'run',
  help: [
    [
      'run --interval S/E [--no-wait]',
      'run platformPipeline for one data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z',
    ],
  ],
  options: { interval: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  async run({ config, opts, log }) {
    const interval = opts.interval();
    const since = Date.now();
    const { temporalClient, withWorker } = await import('../session');
    if (opts.flag('no-wait')) {
      const { startPipeline } = await import('../pipeline-run');
      const { localWorkers, workerDaemonPid } = await import('../worker-daemon');
      const { client, close } = await temporalClient(config);
      const handle = await startPipeline(client, config, interval).finally(close);
      log(
        `started ${handle.workflowId}${workerDaemonPid(config) || localWorkers(config).length > 0 ? '' : ' (no worker is running: start one with `npx edp up`)'}`,
      );
      return 0;
    }
    const { runInterval } = await import('../demo-command');
    const ok = await withWorker(config, () => runInterval(config, interval, since), log);
    return ok ? 0 : 1;
  },
};
