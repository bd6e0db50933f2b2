import type { CliCommand } from '../command';

/** `edp install`: the service binaries into the cache. */
export const installCommand: CliCommand = {
  name: 'install',
  help: [['install', 'install the service binaries into the cache, start nothing']],
  async run({ config, log }) {
    const { installServices } = await import('../../infra/services');
    installServices(config, log);
    log('service binaries installed');
    return 0;
  },
};
