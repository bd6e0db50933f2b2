import { landingName, landingNameMatcher, landingNameMatcherAnyInterval } from '../../../lib/landing-pattern';

describe('landing file patterns', () => {
  const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

  it('matches the interval stamp exactly and * as any run of characters', () => {
    const m = landingNameMatcher('claims_{interval}_*.csv.gz', interval);
    expect(m.test('claims_20260101T0400_part-0001.csv.gz')).toBe(true);
    expect(m.test('claims_20260101T0400_.csv.gz')).toBe(true);
    expect(m.test('claims_20260101T0800_part-0001.csv.gz')).toBe(false);
    expect(m.test('claims_20260101T0400_part.csv')).toBe(false);
    expect(m.test('claims_20260101T0400_a.csv.gz.tmp')).toBe(false); // a file still being written
  });

  it('takes regex characters in names literally', () => {
    const m = landingNameMatcher('members (v2)+{interval}.csv', interval);
    expect(m.test('members (v2)+20260101T0400.csv')).toBe(true);
    expect(m.test('members v2+20260101T0400.csv')).toBe(false);
  });

  it('names the one file of a pattern without *', () => {
    expect(landingName('claims_{interval}.csv', interval)).toBe('claims_20260101T0400.csv');
    expect(() => landingName('claims_{interval}_*.csv', interval)).toThrow(/names many files/);
  });
});

describe('landing file patterns for any interval', () => {
  it('takes any interval stamp, and nothing else, for {interval}', () => {
    const m = landingNameMatcherAnyInterval('claims_{interval}_*.csv');
    expect(m.test('claims_20260101T0400_a.csv')).toBe(true);
    expect(m.test('claims_19991231T2300_b.csv')).toBe(true);
    expect(m.test('claims_2026-01-01_a.csv')).toBe(false);
    expect(m.test('claims-final.csv')).toBe(false);
  });
});
