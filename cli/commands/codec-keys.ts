import type { CliCommand } from '../command';
import { codecKeysNew } from '../codec-commands';
import { UsageError } from '../session';

/** `edp codec-keys new`: a new payload encryption key set. */
export const codecKeysCommand: CliCommand = {
  name: 'codec-keys',
  help: [['codec-keys new --out FILE [--key-id ID]', 'write a new payload encryption key set (see docs/security.md)']],
  options: { out: { type: 'string' }, 'key-id': { type: 'string' } },
  run({ rest, opts, log }) {
    if (rest[0] !== 'new') throw new UsageError('codec-keys needs a subcommand: edp codec-keys new --out FILE');
    return codecKeysNew(opts.string('out'), opts.string('key-id'), log);
  },
};
