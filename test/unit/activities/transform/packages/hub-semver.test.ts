import {
  filterInstallable,
  parseVersion,
  rangeString,
  reduceVersions,
  resolveToSpecificVersion,
  type VersionSpecifier,
} from '../../../../../activities/transform/packages/hub-semver';

const AVAILABLE = ['0.9.0', '0.9.6', '1.0.0-b1', '1.0.0', '1.1.1', '1.3.0', '1.3.3', '2.0.0-rc1', '2.0.0'];

/** Picks a version as dbt's RegistryUnpinnedPackage.resolved() does (pre-releases only when a range names one). */
function pick(ranges: string[]): { range: string; version?: string } {
  const specs = ranges.map((r) => parseVersion(r) as VersionSpecifier);
  const range = reduceVersions(specs);
  const installable = filterInstallable(
    AVAILABLE,
    specs.some((s) => !!s.prerelease),
  );
  return { range: rangeString(range), version: resolveToSpecificVersion(range, installable) };
}

// Every expected value below is what dbt-core 1.10.23's dbt_common.semver answers for the same input.
describe('hub package versions as dbt-core resolves them', () => {
  it.each([
    [['>=1.0.0', '<2.0.0'], '>=1.0.0, <2.0.0', '1.3.3'],
    [['1.1.1'], '=1.1.1, =1.1.1', '1.1.1'],
    [['>0.9.0', '<=1.3.0'], '>0.9.0, <=1.3.0', '1.3.0'],
    [['>=1.0.0', '<2.0.0', '>=1.1.0', '<1.3.1'], '>=1.1.0, <1.3.1', '1.3.0'],
    [['<2.0.0'], '<2.0.0', '1.3.3'],
    [['>=2.0.0-rc1'], '>=2.0.0-rc1', '2.0.0'],
    [['>1.3.3'], '>1.3.3', '2.0.0'],
  ])('%j → range %s, version %s', (ranges, range, version) => {
    expect(pick(ranges)).toEqual({ range, version });
  });

  it.each([
    [['>=1.0.0', '<1.0.0'], "['>=1.0.0', '<1.0.0']"],
    [['1.0.0', '1.1.1'], "['=1.0.0', '=1.1.1']"],
    [['>=1.3.0', '1.1.1'], "['>=1.3.0', '=1.1.1']"],
  ])('%j cannot all hold', (ranges, named) => {
    expect(() => pick(ranges)).toThrow(`Could not find a satisfactory version from options: ${named}`);
  });

  it('orders versions as dbt: pre-releases before their release, numeric parts as numbers', () => {
    expect(filterInstallable(AVAILABLE, false)).toEqual([
      '0.9.0',
      '0.9.6',
      '1.0.0',
      '1.1.1',
      '1.3.0',
      '1.3.3',
      '2.0.0',
    ]);
    expect(filterInstallable(['1.0.0-rc.10', '1.0.0-rc.2', '1.0.0-alpha', '1.0.0', '0.1.0'], true)).toEqual([
      '0.1.0',
      '1.0.0-alpha',
      '1.0.0-rc.2',
      '1.0.0-rc.10',
      '1.0.0',
    ]);
  });

  it('refuses what is not a semantic version', () => {
    expect(parseVersion('1.2')).toBeUndefined();
    expect(parseVersion('>=01.0.0')).toBeUndefined();
    expect(parseVersion('>=1.0.0,<2.0.0')).toBeUndefined();
  });
});
