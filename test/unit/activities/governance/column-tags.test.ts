import { columnTag, modelColumnTags } from '../../../../activities/governance';
import { governanceSchema } from '../../../../lib/config/governance-schema';
import { ProjectError } from '../../../../lib/errors';

const g = governanceSchema.parse({ tags: { phi: {}, ssn: { mask: 'partial' } } });

describe('sensitivity tags of dbt columns', () => {
  it('reads meta.phi, meta.sensitivity and configured column tags, ignoring other dbt tags', () => {
    const tags = modelColumnTags(
      {
        first_name: { meta: { phi: true } },
        ssn: { meta: { sensitivity: 'ssn' } },
        last_name: { tags: ['daily', 'phi'] },
        plan_id: { tags: ['daily'], meta: { owner: 'x' } },
        member_id: {},
      },
      g,
      'models/consumption/_models.yml',
    );
    expect([...tags]).toEqual([
      ['first_name', 'phi'],
      ['ssn', 'ssn'],
      ['last_name', 'phi'],
    ]);
  });

  it('refuses a meta tag governance.tags lacks, and two tags on one column, naming the file', () => {
    expect(() => columnTag('dob', { meta: { sensitivity: 'dob' } }, g.tags, 'models/m.yml')).toThrow(ProjectError);
    expect(() => columnTag('dob', { meta: { sensitivity: 'dob' } }, g.tags, 'models/m.yml')).toThrow(
      'models/m.yml: column dob is tagged "dob" but governance.tags has phi, ssn',
    );
    expect(() => columnTag('x', { meta: { phi: true }, tags: ['ssn'] }, g.tags, 'models/m.yml')).toThrow(
      'models/m.yml: column x has more than one sensitivity tag (phi, ssn)',
    );
  });
});
