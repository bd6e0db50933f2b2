import type { CliCommand } from '../command';

/** `edp console`: the operator web console until Ctrl-C. */
export const consoleCommand: CliCommand = {
  name: 'console',
  help: [
    [
      'console [--host H] [--port N]',
      'the web console: grid, graph, lineage, quality, streaming, actions (docs/console.md)',
    ],
  ],
  options: { host: { type: 'string' }, port: { type: 'string' } },
  async run({ loaded, opts, log }) {
    const { openConsole } = await import('../../console/serve');
    const server = await openConsole(loaded, { host: opts.string('host'), port: opts.optionalNumber('port') });
    log(`console on ${server.url} (Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
