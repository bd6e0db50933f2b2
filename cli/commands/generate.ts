import { pipelineWorkflowId } from '../../lib/ids';
import { describeInterval } from '../../lib/intervals';
import type { CliCommand } from '../command';
import { num } from '../output';
import { DEFAULT_SAMPLE } from '../sample-data';
import { CliError, UsageError } from '../cli-errors';

/** `edp generate`: one interval of deterministic sample data, as landing files and operational rows. */
export const generateCommand: CliCommand = {
  name: 'generate',
  help: [
    [
      'generate --interval S/E [--seed N --members N --claims N --dirt F --only A,B --skip A,B]',
      "write an interval's sample landing files and operational rows (edp generate --help)",
    ],
  ],
  details: `edp generate --interval S/E [options]

Writes one data interval of deterministic sample data for the healthcare domain:
landing files (members, providers, claims, claim_lines, accumulators as CSV; eligibility as
NDJSON) where the config's entities expect them, and plans plus claim status changes into each
local PostgreSQL source. The same seed and interval always give the same data.

  --interval S/E   the data interval, e.g. 2026-01-01T04:00Z/2026-01-01T08:00Z (required)
  --seed N         random seed (default ${DEFAULT_SAMPLE.seed})
  --members N      members (default ${DEFAULT_SAMPLE.members})
  --claims N       claims in the interval, a few to millions (default ${DEFAULT_SAMPLE.claimsPerInterval}); each has 1-3 lines
  --dirt F         share of rows, 0-1, with one realistic defect (default ${DEFAULT_SAMPLE.dirt}): missing mandatory
                   key, wrong type, extra column, malformed CSV line, bad encoding (a latin-1 byte),
                   unknown foreign key, duplicate record; truncated JSON lines in eligibility
  --only A,B       only these entities / sources (a late-arriving file: generate it on its own later)
  --skip A,B       all but these (e.g. --skip claims to leave the claims file late)
`,
  options: {
    interval: { type: 'string' },
    seed: { type: 'string' },
    members: { type: 'string' },
    claims: { type: 'string' },
    dirt: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
  },
  async run({ config, opts, log }) {
    const interval = opts.interval(config.pipeline.intervalHours);
    const options = {
      seed: opts.number('seed', DEFAULT_SAMPLE.seed),
      members: opts.number('members', DEFAULT_SAMPLE.members),
      providers: DEFAULT_SAMPLE.providers,
      claimsPerInterval: opts.number('claims', DEFAULT_SAMPLE.claimsPerInterval),
      dirt: opts.number('dirt', DEFAULT_SAMPLE.dirt),
    };
    const list = (key: 'only' | 'skip'): string[] | undefined =>
      opts
        .string(key)
        ?.split(',')
        .map((s) => s.trim());
    const only = list('only');
    const skip = list('skip') ?? [];
    const known = [...config.landing.entities.map((e) => e.name), ...config.sources.map((s) => s.name)];
    const unknown = [...(only ?? []), ...skip].filter((n) => !known.includes(n));
    if (unknown.length > 0)
      throw new UsageError(`--only/--skip name ${unknown.join(', ')}; known: ${known.join(', ')}`);
    const include = (name: string): boolean => (!only || only.includes(name)) && !skip.includes(name);
    const { writeSampleFiles, writeSampleSources } = await import('../sample-files');
    for (const f of writeSampleFiles(config, interval, options, include)) log(`wrote ${f}`);
    if (config.sources.some((s) => include(s.name))) {
      const added = await writeSampleSources(config, interval, options.seed, include).catch((err: Error) => {
        throw new CliError(
          `wrote the landing files but not the operational rows (${err.message}): is PostgreSQL running? ` +
            'Start it with `npx edp up` and run this again (rows already there are not added twice)',
        );
      });
      log(`added ${num(added)} rows to the operational database`);
    }
    log(
      `${num(options.claimsPerInterval)} claims, ${num(options.members)} members for ${describeInterval(interval)}; pipeline id ${pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes)}`,
    );
    return 0;
  },
};
