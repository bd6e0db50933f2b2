import type { CliCommand } from '../command';

/** `edp down`: stops the background worker, the codec server and the services, in reverse order. */
export const downCommand: CliCommand = {
  name: 'down',
  help: [['down', 'stop the background worker and the services']],
  async run({ config, log }) {
    const { serviceNames, stopService } = await import('../../infra/services');
    const { stopCodecDaemon } = await import('../codec-commands');
    const { stopWorkerDaemon } = await import('../worker-daemon');
    log(`worker: ${(await stopWorkerDaemon(config)) ? 'stopped' : 'was not running'}`);
    if (await stopCodecDaemon(config)) log('codec server: stopped');
    for (const name of [...serviceNames(config)].reverse())
      log(`${name}: ${(await stopService(config, name)) ? 'stopped' : 'was not running'}`);
    return 0;
  },
};
