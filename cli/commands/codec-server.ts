import type { CliCommand } from '../command';
import { codecServer } from '../codec-commands';

/** `edp codec-server`: decodes encrypted payloads for the Web UI. */
export const codecServerCommand: CliCommand = {
  name: 'codec-server',
  help: [
    [
      'codec-server [--port N] [--ui-origin URL] [--token-file F]',
      'decode encrypted payloads for the Web UI (loopback; CORS for the UI origin only)',
    ],
  ],
  options: { port: { type: 'string' }, 'ui-origin': { type: 'string' }, 'token-file': { type: 'string' } },
  run: ({ config, opts, log }) =>
    codecServer(
      config,
      { port: opts.optionalNumber('port'), uiOrigin: opts.string('ui-origin'), tokenFile: opts.string('token-file') },
      log,
    ),
};
