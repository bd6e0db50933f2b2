import { hasSlas } from '../../../../activities/sla';

describe('hasSlas (whether the SLA check and its schedule exist)', () => {
  const none = { checkEveryMinutes: 5, freshness: [] };

  it('counts a declared pipeline’s SLAs when the slas section has none', () => {
    expect(hasSlas(none)).toBe(false);
    expect(hasSlas(none, [{}, { sla: { freshness: [] } }])).toBe(false);
    expect(hasSlas(none, [{}, { sla: { latencyMinutes: 30, freshness: [] } }])).toBe(true);
    expect(hasSlas(none, [{ sla: { freshness: [{ table: 'marts.x', column: 'at', maxMinutes: 5 }] } }])).toBe(true);
  });

  it('still counts the global ones', () => {
    expect(hasSlas({ ...none, qualityScoreMin: 90 })).toBe(true);
    expect(hasSlas({ ...none, availability: { percent: 99, windowHours: 24 } }, [])).toBe(true);
  });
});
