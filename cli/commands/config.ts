import type { CliCommand } from '../command';

/** `edp config`: the resolved configuration. */
export const configCommand: CliCommand = {
  name: 'config',
  help: [['config', 'the resolved configuration (defaults, EDP_* overrides), secrets redacted']],
  async run({ loaded }) {
    const { configShow } = await import('../config-command');
    return configShow(loaded.config, loaded.file, loaded.overrides);
  },
};
