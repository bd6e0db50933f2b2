import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { governanceSchema } from '../../../../lib/config/governance-schema';
import { ConfigError } from '../../../../lib/errors';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

const members = {
  name: 'members',
  pattern: 'members_{interval}.csv',
  columns: { member_id: 'string', first_name: 'string', birth_date: 'date' },
};

/** Loads a config file holding `doc`; the error message when it is refused. */
function load(doc: Record<string, unknown>): ReturnType<typeof loadConfig> {
  const file = join(tmpDir('edp-governance-'), 'edp.config.yaml');
  writeFileSync(file, stringify({ landing: { entities: [members] }, ...doc }));
  return loadConfig({ file, env: {} });
}

describe('governance config', () => {
  it('defaults to a full-mask phi tag, the consumption schema, secure views and no roles', () => {
    const g = governanceSchema.parse(undefined);
    expect(g).toEqual({
      unmaskedRoles: [],
      tags: { phi: { mask: 'full', keep: 4 } },
      entities: {},
      consumptionSchemas: ['consumption'],
      secureViews: true,
      rowAccess: [],
      policySchema: 'governance',
    });
  });

  it('accepts tagged entity columns, masking styles per tag, roles and row rules', () => {
    const { config } = load({
      governance: {
        unmaskedRoles: ['PHI_READER'],
        tags: { phi: { mask: 'full' }, member_key: { mask: 'partial', keep: 4 }, dob: { mask: 'null' } },
        entities: { members: { first_name: 'phi', member_id: 'member_key', birth_date: 'dob' } },
        rowAccess: [{ object: 'consumption.member_portal_summary', column: 'plan_id', allow: { PLAN_A: ['P1'] } }],
      },
    });
    expect(config.governance.entities.members).toEqual({
      first_name: 'phi',
      member_id: 'member_key',
      birth_date: 'dob',
    });
    expect(config.governance.tags.member_key).toEqual({ mask: 'partial', keep: 4 });
  });

  it.each([
    [
      { entities: { members: { frist_name: 'phi' } } },
      'governance.entities.members.frist_name',
      'is not one of raw.members',
    ],
    [{ entities: { member: { first_name: 'phi' } } }, 'governance.entities.member', 'no landing entity'],
    [{ entities: { members: { first_name: 'pii' } } }, 'governance.entities.members.first_name', 'unknown tag "pii"'],
    [{ tags: { phi: { mask: 'blur' } } }, 'governance.tags.phi.mask', 'Invalid enum value'],
    [
      { rowAccess: [{ object: 'consumption.x', column: 'plan_id' }] },
      'governance.rowAccess.0.mappingTable',
      'set mappingTable or allow',
    ],
  ])('refuses %j at load, naming the key', (governance, key, reason) => {
    expect(() => load({ governance })).toThrow(ConfigError);
    expect(() => load({ governance })).toThrow(new RegExp(`${key.replace(/\./g, '\\.')}: .*${reason}`));
  });

  it('knows the raw tables of SQL sources and streamed topics too', () => {
    const { config } = load({
      sources: [
        {
          name: 'operational',
          kind: 'postgres',
          database: 'operational',
          tables: [{ name: 'plans', mode: 'full', columns: { plan_id: 'string', plan_name: 'string' } }],
        },
      ],
      streaming: {
        topics: [
          {
            topic: 't',
            table: 'member_updates',
            columns: { member_id: 'string', last_name: 'string' },
            key: ['member_id'],
          },
        ],
      },
      governance: { entities: { operational_plans: { plan_name: 'phi' }, member_updates: { last_name: 'phi' } } },
    });
    expect(Object.keys(config.governance.entities)).toEqual(['operational_plans', 'member_updates']);
  });
});
