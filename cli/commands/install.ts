import { installServices } from '../../infra/services';
import type { CliCommand } from '../command';

/** `edp install`: the service binaries into the cache. */
export const installCommand: CliCommand = {
  name: 'install',
  help: [['install', 'install the service binaries into the cache, start nothing']],
  run({ config, log }) {
    installServices(config, log);
    log('service binaries installed');
    return 0;
  },
};
