import type { CliCommand } from '../command';

/** `edp up`: the services, the codec server when configured, and a background worker. */
export const upCommand: CliCommand = {
  name: 'up',
  help: [
    ['up [--services-only]', 'start Temporal (Web UI) and Kafka, and a background worker'],
    ['up --cluster', 'the same with a multi-process Temporal cluster (PostgreSQL, mTLS) instead of the dev server'],
  ],
  options: { 'services-only': { type: 'boolean' }, cluster: { type: 'boolean' } },
  async run({ loaded, config: configured, opts, log }) {
    const config = opts.flag('cluster')
      ? {
          ...configured,
          services: {
            ...configured.services,
            temporal: { ...configured.services.temporal, server: 'cluster' as const },
          },
        }
      : configured;
    const { startCodecDaemon } = await import('../codec-commands');
    const { startServices } = await import('../demo-command');
    const { startWorkerDaemon, workerLog } = await import('../worker-daemon');
    const { consoleSignInUrl, startConsoleDaemon } = await import('../../console/console-daemon');
    await startServices(config);
    const codec = await startCodecDaemon(config, loaded.file);
    if (codec)
      log(
        `codec server: ${codec.alreadyRunning ? 'already running' : 'started'} (pid ${codec.pid}) on 127.0.0.1:${config.temporal.codecPort}; to decode in the Web UI, open the link \`edp codec-server --sign-in-url\` prints (docs/security.md)`,
      );
    if (!opts.flag('services-only')) {
      const w = await startWorkerDaemon(config, loaded.file);
      log(`worker: ${w.alreadyRunning ? 'already running' : 'started'} (pid ${w.pid}), log ${workerLog(config)}`);
      const c = await startConsoleDaemon(config, loaded.file);
      log(
        `console: ${c.alreadyRunning ? 'already running' : 'started'} (pid ${c.pid}) — open ${consoleSignInUrl(config)}`,
      );
    }
    // The cluster runs no UI server (docs/deploy.md#self-hosted-temporal-cluster).
    if (config.services.temporal.server === 'dev') log(`\nWeb UI: ${config.temporal.uiUrl}`);
    return 0;
  },
};
