import { serviceNames, stopService } from '../../infra/services';
import type { CliCommand } from '../command';
import { stopCodecDaemon } from '../codec-commands';
import { stopWorkerDaemon } from '../worker-daemon';

/** `edp down`: stops the background worker, the codec server and the services, in reverse order. */
export const downCommand: CliCommand = {
  name: 'down',
  help: [['down', 'stop the background worker and the services']],
  async run({ config, log }) {
    log(`worker: ${(await stopWorkerDaemon(config)) ? 'stopped' : 'was not running'}`);
    if (await stopCodecDaemon(config)) log('codec server: stopped');
    for (const name of [...serviceNames(config)].reverse())
      log(`${name}: ${(await stopService(config, name)) ? 'stopped' : 'was not running'}`);
    return 0;
  },
};
