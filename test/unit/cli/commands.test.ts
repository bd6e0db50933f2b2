import { commandLineOptions, CommandOptions, type CliCommand } from '../../../cli/command';
import { COMMANDS, findCommand } from '../../../cli/commands';
import { overviewHelp } from '../../../cli/help';

const command = (name: string, more: Partial<CliCommand> = {}): CliCommand => ({
  name,
  help: [[name, `the ${name} command`]],
  run: () => 0,
  ...more,
});

describe('the edp command registry', () => {
  it('finds each command by its name or alias, and nothing else', () => {
    const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) expect(findCommand(c.name)).toBe(c);
    expect(findCommand('demo')?.name).toBe('start');
    expect(findCommand('toString')).toBeUndefined();
  });

  it('lists a short usage beside its description and a long one on a line of its own', () => {
    const help = overviewHelp([
      command('down', {
        help: [
          ['down', 'stop'],
          ['', 'and more'],
        ],
      }),
      command('long', { help: [['long --with many --options and --values', 'does it']] }),
    ]);
    expect(help.split('\n').slice(4)).toEqual([
      `  down${' '.repeat(30)}stop`,
      `${' '.repeat(36)}and more`,
      '  long --with many --options and --values',
      `${' '.repeat(36)}does it`,
      '',
    ]);
    expect(overviewHelp(COMMANDS)).toContain(
      '  status                            services, worker, latest runs, open dead letters and SLA states\n',
    );
  });

  it('accepts an option several commands declare alike, and refuses one they declare differently', () => {
    const a = command('a', { options: { interval: { type: 'string' } } });
    expect(commandLineOptions([a, command('b', { options: { interval: { type: 'string' } } })])).toMatchObject({
      config: { type: 'string' },
      interval: { type: 'string' },
    });
    expect(() => commandLineOptions([a, command('c', { options: { interval: { type: 'boolean' } } })])).toThrow(
      'edp c: option --interval is declared differently by another command',
    );
    expect(() => commandLineOptions(COMMANDS)).not.toThrow();
  });

  it('reads options by name, refusing a number that is not one', () => {
    const opts = new CommandOptions({ seed: '7', table: ['a.b', 'c.d'], json: true, rate: 'fast' });
    expect(opts.number('seed', 1)).toBe(7);
    expect(opts.number('members', 500)).toBe(500);
    expect(opts.optionalNumber('port')).toBeUndefined();
    expect(opts.list('table')).toEqual(['a.b', 'c.d']);
    expect(opts.list('exclude')).toEqual([]);
    expect(opts.flag('json')).toBe(true);
    expect(opts.string('seed')).toBe('7');
    expect(() => opts.number('rate', 1)).toThrow('--rate must be a non-negative number, got "fast"');
    expect(() => opts.interval(4)).toThrow('--interval <start>/<end> is required');
  });
});
