import { sampleFiles } from '../../../lib/sample-data';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const options = { seed: 7, members: 50, providers: 5, claimsPerInterval: 200, dirt: 0 };

describe('sample data', () => {
  it('is deterministic by seed and interval', () => {
    expect(sampleFiles(interval, options)).toEqual(sampleFiles(interval, options));
    expect(sampleFiles(interval, { ...options, seed: 8 })).not.toEqual(sampleFiles(interval, options));
  });

  it('writes one header plus one line per row', () => {
    const claims = sampleFiles(interval, options).find((f) => f.entity === 'claims')!;
    const lines = claims.csv.trimEnd().split('\n');
    expect(lines[0]).toBe('claim_id,member_id,provider_id,service_date,billed_amount,paid_amount,claim_status');
    expect(lines).toHaveLength(201);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(200);
  });

  it('injects defects only when the dirt knob is up', () => {
    const clean = sampleFiles(interval, options).find((f) => f.entity === 'claims')!.csv;
    const dirty = sampleFiles(interval, { ...options, dirt: 0.5 }).find((f) => f.entity === 'claims')!.csv;
    const broken = (csv: string) => csv.split('\n').filter((l) => /N\/A|31\/02\/2026|unexpected|^,/.test(l)).length;
    expect(broken(clean)).toBe(0);
    expect(broken(dirty)).toBeGreaterThan(50);
  });
});
