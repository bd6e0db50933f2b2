import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

const load = (yaml: string) => {
  const file = join(tmpDir(), 'edp.config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} }).config;
};

describe('pipeline.name', () => {
  it('defaults to platform and takes letters, digits and underscores', () => {
    expect(load('').pipeline.name).toBe('platform');
    expect(load('pipeline:\n  name: claims_daily2\n').pipeline.name).toBe('claims_daily2');
  });

  it('refuses a name that would make workflow and schedule ids ambiguous or unsafe, naming the key', () => {
    // Ids are `edp-<kind>-<name>-<interval>`: a `-` in the name could read as another pipeline's id.
    for (const name of ['claims-daily', 'claims daily', 'claims/x', '1claims', ''])
      expect(() => load(`pipeline:\n  name: "${name}"\n`)).toThrow(/pipeline\.name: expected a plain SQL identifier/);
  });
});
