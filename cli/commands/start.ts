import type { CliCommand } from '../command';

/** `edp start` / `edp demo`: everything up, sample data, one pipeline run. */
export const startCommand: CliCommand = {
  name: 'start',
  aliases: ['demo'],
  help: [
    ['start [--once] [--interval S/E]', 'install and start the services and a worker, generate sample data and run'],
    ['demo', 'the pipeline end to end; --once (default when CI is set) exits afterwards'],
  ],
  options: { once: { type: 'boolean' }, interval: { type: 'string' } },
  async run({ loaded, opts }) {
    const { demo } = await import('../demo-command');
    return demo(loaded, { once: opts.flag('once'), interval: opts.string('interval') });
  },
};
