import { readPackageSpecs } from '../../../../../activities/transform/packages/package-specs';
import { packagesHash, pythonJson } from '../../../../../activities/transform/packages/package-lock';
import { writeProject } from '../helpers';

const PACKAGES = `packages:
  - package: dbt-labs/dbt_utils
    version: [">=1.0.0", "<2.0.0"]
  - package: calogica/dbt_date
    version: 0.10.1
    install_prerelease: true
  - git: https://github.com/dbt-labs/dbt-audit-helper.git
    revision: 0.12.0
    subdirectory: sub
  - git: https://example.com/x.git
  - local: vendor/lib
    name: lib
`;

describe('package-lock.yml sha1_hash', () => {
  // The expected hashes are what dbt-core 1.10.23's _create_sha1_hash gives for the same packages.yml, so a
  // lock written by either tool is honoured by the other.
  it('hashes packages.yml as dbt-core does, for hub, git and local entries', () => {
    expect(packagesHash(readPackageSpecs(writeProject({ 'packages.yml': PACKAGES })))).toBe(
      '4278eff86c8ef23a005a3bb6ffa5c23979e3dbb8',
    );
    const one = PACKAGES.split('\n').slice(0, 3).join('\n');
    expect(packagesHash(readPackageSpecs(writeProject({ 'packages.yml': one })))).toBe(
      'dd1e1feb2d2bbce79e7a255cd309a60e6548df0b',
    );
  });

  it("serialises as Python's json.dumps(sort_keys=True)", () => {
    expect(pythonJson({ b: [1, 'é', null], a: { d: true, c: 1.5 } })).toBe(
      '{"a": {"c": 1.5, "d": true}, "b": [1, "\\u00e9", null]}',
    );
  });
});
