import { describeLandingSensor, landingSensorStatus } from '../../../lib/landing-sensor';

const check = {
  present: [] as string[],
  missing: ['members', 'claims'],
  patterns: { members: 'members/members_20260101T0400.csv', claims: 'claims/claims_20260101T0400.csv' },
  landingDir: '/data/landing',
};
const times = { timesOutAt: Date.parse('2026-01-01T12:00Z'), nextCheckAt: Date.parse('2026-01-01T08:10Z') };

describe('landing sensor status', () => {
  it('says which files it waits for, how many it found, and when it checks next and times out', () => {
    const s = landingSensorStatus(check, { state: 'waiting', checks: 1, ...times });
    expect(s).toEqual({
      state: 'waiting',
      found: 0,
      expected: 2,
      waitingFor: ['members/members_20260101T0400.csv', 'claims/claims_20260101T0400.csv'],
      landingDir: '/data/landing',
      checks: 1,
      nextCheckAt: '2026-01-01T08:10:00.000Z',
      timesOutAt: '2026-01-01T12:00:00.000Z',
    });
    expect(describeLandingSensor(s)).toBe(
      'waiting for landing files: found 0 of 2; missing members/members_20260101T0400.csv, claims/claims_20260101T0400.csv in /data/landing; next check 2026-01-01T08:10Z, times out at 2026-01-01T12:00Z',
    );
  });

  it('reads a check from an older history (entity names, no patterns) and says when it completed or gave up', () => {
    const old = { present: ['members'], missing: ['claims'] };
    expect(landingSensorStatus(old, { state: 'waiting', checks: 2, ...times }).waitingFor).toEqual(['claims']);
    const done = landingSensorStatus(
      { present: ['members', 'claims'], missing: [] },
      { state: 'complete', checks: 3, ...times },
    );
    expect(describeLandingSensor(done)).toBe('landing files: found 2 of 2 after 3 checks');
    const gaveUp = landingSensorStatus(old, { state: 'timed out', checks: 24, timesOutAt: times.timesOutAt });
    expect(describeLandingSensor(gaveUp)).toBe(
      'landing sensor timed out: found 1 of 2, loading those; no file for claims',
    );
  });
});
