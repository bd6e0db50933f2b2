import type { CliCommand } from '../command';

/** `edp start` / `edp demo`: everything up, sample data, one pipeline run. */
export const startCommand: CliCommand = {
  name: 'start',
  aliases: ['demo'],
  help: [
    [
      'start [--once [--keep]] [--interval S/E]',
      'install and start the services and a worker, generate sample data and run',
    ],
    [
      'demo',
      'the pipeline end to end; --once (default when CI is set) exits afterwards, stopping what it started unless --keep',
    ],
  ],
  options: { once: { type: 'boolean' }, keep: { type: 'boolean' }, interval: { type: 'string' } },
  async run({ loaded, opts }) {
    const { demo } = await import('../demo-command');
    return demo(loaded, { once: opts.flag('once'), keep: opts.flag('keep'), interval: opts.string('interval') });
  },
};
