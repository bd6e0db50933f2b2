import type { CliCommand } from '../command';

/** `edp console`: the operator web console until Ctrl-C; `--sign-in-url` prints the browser's sign-in link. */
export const consoleCommand: CliCommand = {
  name: 'console',
  help: [
    [
      'console [--host H] [--port N] [--sign-in-url]',
      'the web console: grid, graph, lineage, quality, streaming, actions (docs/console.md); --sign-in-url: the browser link',
    ],
  ],
  options: { host: { type: 'string' }, port: { type: 'string' }, 'sign-in-url': { type: 'boolean' } },
  async run({ loaded, config, opts, log }) {
    if (opts.flag('sign-in-url')) {
      const { consoleSignInUrl } = await import('../../console/console-daemon');
      console.log(consoleSignInUrl(config));
      return 0;
    }
    const { openConsole } = await import('../../console/serve');
    const server = await openConsole(loaded, { host: opts.string('host'), port: opts.optionalNumber('port') });
    // The link holds the token: it goes to a terminal only, never into the log file `edp up` redirects this to.
    const signIn = server.signInUrl
      ? process.stdout.isTTY
        ? `; sign in: ${server.signInUrl}`
        : '; sign in with the link `edp console --sign-in-url` prints'
      : ' (sign in with your name and token from console.usersFile)';
    log(`console on ${server.url}${signIn} (Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
