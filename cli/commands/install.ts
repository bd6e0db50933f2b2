import type { CliCommand } from '../command';

/** `edp install`: the service binaries into the cache. */
export const installCommand: CliCommand = {
  name: 'install',
  help: [
    ['install', 'install the service binaries into the cache, start nothing'],
    ['install --cluster', 'also build the Temporal server for `edp up --cluster` (minutes, once per version)'],
  ],
  options: { cluster: { type: 'boolean' } },
  async run({ config, opts, log }) {
    const { installServices } = await import('../../infra/services');
    const { ensureTemporalServer } = await import('../../infra/install');
    installServices(config, log);
    if (opts.flag('cluster')) ensureTemporalServer(config.services.cacheDir, log);
    log('service binaries installed');
    return 0;
  },
};
