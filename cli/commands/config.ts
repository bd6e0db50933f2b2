import type { CliCommand } from '../command';
import { configShow } from '../config-command';

/** `edp config`: the resolved configuration. */
export const configCommand: CliCommand = {
  name: 'config',
  help: [['config', 'the resolved configuration (defaults, EDP_* overrides), secrets redacted']],
  run: ({ loaded }) => configShow(loaded.config, loaded.file, loaded.overrides),
};
