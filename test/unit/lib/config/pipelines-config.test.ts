import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../../../lib/errors';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

/** Loads a config whose `pipelines` section is `pipelines`; returns the file and the load's outcome. */
function load(pipelines: unknown[]) {
  const file = join(tmpDir(), 'edp.config.yaml');
  const transform = { projectDir: join(__dirname, '../../../../models') };
  const landing = { entities: [{ name: 'claims', pattern: 'claims_{interval}.csv', columns: { claim_id: 'string' } }] };
  writeFileSync(file, stringify({ landing, transform, pipelines }));
  return { file, run: () => loadConfig({ file, env: {} }).config };
}

const ingest = { name: 'load', kind: 'ingest', entities: ['claims'] };
const build = { name: 'build', kind: 'transform', select: ['dim_member+'], dependsOn: ['load'] };

describe('the pipelines section', () => {
  it('accepts a DAG with every step kind, an every and a cron schedule and a trigger', () => {
    const { run } = load([
      {
        name: 'claims',
        schedule: { every: '4h' },
        steps: [
          ingest,
          build,
          { name: 'check', kind: 'quality', dependsOn: ['build'], gate: false },
          { name: 'publish', kind: 'export', marts: ['member_claims_summary'], dependsOn: ['check'] },
          { name: 'rt', kind: 'realtime' },
          { name: 'tidy', kind: 'sql', sql: 'delete from raw.claims where false', dependsOn: ['load'] },
        ],
      },
      {
        name: 'finance',
        schedule: { cron: '0 6 * * 1-5', timezone: 'America/New_York', overlap: 'skip' },
        triggers: [{ pipeline: 'claims', step: 'load' }],
        steps: [{ name: 'build', kind: 'transform' }],
      },
    ]);
    const config = run();
    expect(config.pipelines.map((p) => p.name)).toEqual(['claims', 'finance']);
    expect(config.pipelines[1].schedule).toMatchObject({ catchupWindowMinutes: 1440, paused: false });
  });

  it('accepts a trigger on a step of the platform pipeline (the pipeline section)', () => {
    const { run } = load([
      { name: 'marts', triggers: [{ pipeline: 'platform', step: 'transform' }], steps: [ingest, build] },
    ]);
    expect(run().pipelines[0].triggers).toEqual([{ pipeline: 'platform', step: 'transform' }]);
  });

  it('accepts per-pipeline SLAs, on a cron pipeline too, in the slas section’s shapes', () => {
    const freshness = [{ table: 'marts.member_claims_summary', column: 'updated_at', maxMinutes: 90 }];
    const { run } = load([
      { name: 'hourly', schedule: { every: '1h' }, sla: { latencyMinutes: 30, freshness }, steps: [ingest] },
      {
        name: 'weekdays',
        schedule: { cron: '0 6 * * 1-5', timezone: 'America/New_York' },
        sla: { latencyMinutes: 120, availability: { percent: 90 } },
        steps: [ingest],
      },
      { name: 'triggered', triggers: [{ pipeline: 'hourly', step: 'load' }], sla: { freshness }, steps: [ingest] },
    ]);
    expect(run().pipelines.map((p) => p.sla)).toEqual([
      { latencyMinutes: 30, freshness },
      { latencyMinutes: 120, availability: { percent: 90, windowHours: 24 }, freshness: [] },
      { freshness },
    ]);
  });

  it.each([
    [
      'a latency SLA of 0 minutes',
      [{ name: 'p', schedule: { every: '1h' }, sla: { latencyMinutes: 0 }, steps: [ingest] }],
      'pipelines.0.sla.latencyMinutes: Number must be greater than 0',
    ],
    [
      'an SLA the pipelines section does not judge per pipeline',
      [{ name: 'p', schedule: { every: '1h' }, sla: { qualityScoreMin: 90 }, steps: [ingest] }],
      "pipelines.0.sla: Unrecognized key(s) in object: 'qualityScoreMin'",
    ],
    [
      'a freshness target that is not schema.table',
      [{ name: 'p', sla: { freshness: [{ table: 'claims', column: 'updated_at', maxMinutes: 5 }] }, steps: [ingest] }],
      'pipelines.0.sla.freshness.0.table: expected schema.table',
    ],
    [
      'a latency SLA on a pipeline without a schedule',
      [
        { name: 'up', schedule: { every: '1h' }, steps: [ingest] },
        { name: 'p', triggers: [{ pipeline: 'up', step: 'load' }], sla: { latencyMinutes: 30 }, steps: [ingest] },
      ],
      'pipelines.1.sla.latencyMinutes: judges the runs of each scheduled interval; pipeline p has no schedule',
    ],
    [
      'a cycle between steps',
      [{ name: 'p', steps: [{ ...ingest, dependsOn: ['build'] }, build] }],
      'pipelines.0.steps: dependency cycle among: load, build',
    ],
    [
      'an unknown step kind',
      [{ name: 'p', steps: [{ name: 'x', kind: 'spark' }] }],
      "pipelines.0.steps.0.kind: Invalid discriminator value. Expected 'ingest' | 'transform'",
    ],
    [
      'a dependency on no step',
      [{ name: 'p', steps: [{ ...build, dependsOn: ['nope'] }] }],
      'pipelines.0.steps.0.dependsOn.0: no step nope in pipeline p',
    ],
    [
      'a selector that matches nothing',
      [{ name: 'p', steps: [ingest, { ...build, select: ['dim_member', 'tag:no_such_tag'] }] }],
      'pipelines.0.steps.1.select.1: selector "tag:no_such_tag": --select: \'tag:no_such_tag\' matches nothing',
    ],
    [
      'a cron that does not parse',
      [{ name: 'p', schedule: { cron: '0 25 * * *' }, steps: [ingest] }],
      'pipelines.0.schedule.cron: does not parse: hour 25 is outside 0–23',
    ],
    [
      'an unknown time zone',
      [{ name: 'p', schedule: { every: '1h', timezone: 'Mars/Olympus' }, steps: [ingest] }],
      'pipelines.0.schedule.timezone: unknown time zone "Mars/Olympus"',
    ],
    [
      'a trigger naming an unknown pipeline',
      [{ name: 'p', triggers: [{ pipeline: 'ghost', step: 'load' }], steps: [ingest] }],
      'pipelines.0.triggers.0.pipeline: no declared pipeline ghost',
    ],
    [
      'a trigger naming a step its pipeline lacks',
      [
        { name: 'up', steps: [ingest] },
        { name: 'down', triggers: [{ pipeline: 'up', step: 'build' }], steps: [ingest] },
      ],
      'pipelines.1.triggers.0.step: pipeline up has no step build',
    ],
    [
      'a table no step produces',
      [{ name: 'p', triggers: [{ tables: ['marts.nothing'] }], steps: [ingest] }],
      'pipelines.0.triggers.0.tables.0: no step of any pipeline produces marts.nothing',
    ],
    [
      'pipelines triggering each other',
      [
        { name: 'a', triggers: [{ pipeline: 'b', step: 'load' }], steps: [ingest] },
        { name: 'b', triggers: [{ pipeline: 'a', step: 'load' }], steps: [ingest] },
      ],
      'pipelines: pipelines trigger each other in a cycle: a → b → a',
    ],
    [
      'an entity landing does not configure',
      [{ name: 'p', steps: [{ ...ingest, entities: ['ghosts'] }] }],
      'pipelines.0.steps.0.entities.0: no landing entity ghosts',
    ],
    [
      'a trigger naming a step the platform pipeline lacks',
      [{ name: 'p', triggers: [{ pipeline: 'platform', step: 'publish' }], steps: [ingest] }],
      'pipelines.0.triggers.0.step: pipeline platform has no step publish (it has ingest, transform, quality, export)',
    ],
    [
      'the pipeline section’s name',
      [{ name: 'platform', steps: [ingest] }],
      "pipelines.0.name: platform is the pipeline section's name",
    ],
  ])('rejects %s with the file, the key and the reason', (_, pipelines, message) => {
    const { file, run } = load(pipelines);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(`invalid configuration in ${file}`);
    expect(run).toThrow(message);
  });
});
