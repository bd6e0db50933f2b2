import type { CliCommand } from '../command';

/** `edp codec-server`: decodes encrypted payloads for the Web UI. */
export const codecServerCommand: CliCommand = {
  name: 'codec-server',
  help: [
    [
      'codec-server [--port N] [--ui-origin URL] [--token-file F] [--sign-in-url]',
      'decode encrypted payloads for the Web UI (loopback, token required; --sign-in-url: the browser link)',
    ],
  ],
  options: {
    port: { type: 'string' },
    'ui-origin': { type: 'string' },
    'token-file': { type: 'string' },
    'sign-in-url': { type: 'boolean' },
  },
  async run({ config, opts, log }) {
    const port = opts.optionalNumber('port');
    const { codecServer } = await import('../codec-commands');
    return codecServer(
      config,
      {
        port,
        uiOrigin: opts.string('ui-origin'),
        tokenFile: opts.string('token-file'),
        signInUrl: opts.flag('sign-in-url'),
      },
      log,
    );
  },
};
