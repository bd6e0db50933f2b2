import type { CliCommand } from '../command';
import { UsageError } from '../cli-errors';

/** `edp codec-keys new`: a new payload encryption key set. */
export const codecKeysCommand: CliCommand = {
  name: 'codec-keys',
  help: [['codec-keys new --out FILE [--key-id ID]', 'write a new payload encryption key set (see docs/security.md)']],
  options: { out: { type: 'string' }, 'key-id': { type: 'string' } },
  async run({ rest, opts, log }) {
    if (rest[0] !== 'new') throw new UsageError('codec-keys needs a subcommand: edp codec-keys new --out FILE');
    const { codecKeysNew } = await import('../codec-commands');
    return codecKeysNew(opts.string('out'), opts.string('key-id'), log);
  },
};
