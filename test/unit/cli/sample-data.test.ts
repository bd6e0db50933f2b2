import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { claimId, sampleFiles } from '../../../cli/sample-data';
import { fileStamp } from '../../../lib/intervals';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const options = { seed: 7, members: 400, providers: 5, claimsPerInterval: 2000, dirt: 0 };
const text = (entity: string, o = options) =>
  sampleFiles(interval, o)
    .find((f) => f.entity === entity)!
    .content.toString('latin1');

describe('sample data', () => {
  it('is deterministic by seed and interval', () => {
    expect(sampleFiles(interval, options)).toEqual(sampleFiles(interval, options));
    expect(sampleFiles(interval, { ...options, seed: 8 })).not.toEqual(sampleFiles(interval, options));
  });

  it('writes the healthcare entities: CSV with a header, eligibility as NDJSON', () => {
    const files = sampleFiles(interval, options);
    expect(files.map((f) => `${f.entity}.${f.format}`)).toEqual([
      'members.csv',
      'providers.csv',
      'claims.csv',
      'claim_lines.csv',
      'eligibility.ndjson',
      'accumulators.csv',
    ]);
    const claims = text('claims').trimEnd().split('\n');
    expect(claims[0]).toBe('claim_id,member_id,provider_id,service_date,billed_amount,paid_amount,claim_status');
    expect(claims).toHaveLength(2001);
    expect(new Set(claims.slice(1).map((l) => l.split(',')[0])).size).toBe(2000);
    for (const line of text('eligibility').trimEnd().split('\n')) expect(JSON.parse(line)).toHaveProperty('member_id');
  });

  it('injects every kind of defect only when the dirt knob is up', () => {
    const clean = text('claims');
    const dirty = text('claims', { ...options, dirt: 0.5 });
    const count = (csv: string, re: RegExp) => csv.split('\n').filter((l) => re.test(l)).length;
    const kinds = {
      missingKey: /^,/,
      wrongType: /31\/02\/2026|N\/A|twelve/,
      extraColumn: /,unexpected$/,
      malformed: /"unterminated$/,
      badEncoding: /\xe9/,
      unknownMember: /M9999999/,
    };
    for (const re of Object.values(kinds)) {
      expect(count(clean, re)).toBe(0);
      expect(count(dirty, re)).toBeGreaterThan(10);
    }
    const lines = dirty.split('\n');
    expect(lines.length - new Set(lines).size).toBeGreaterThan(10); // duplicate records
    expect(
      text('eligibility', { ...options, dirt: 0.5 })
        .split('\n')
        .filter((l) => l && !l.endsWith('}')).length,
    ).toBeGreaterThan(0);
  });

  it('gives claim ids that pass the claim_id_format rule past a million claims in an interval', () => {
    const rules = parse(readFileSync(join(__dirname, '../../../quality/rules/claims.yml'), 'utf8')) as {
      rules: Array<{ name: string; regex?: string }>;
    };
    const regex = rules.rules.find((r) => r.name === 'claim_id_format')!.regex!;
    const fullMatch = new RegExp(`^(?:${regex})$`);
    const stamp = fileStamp(interval.start);
    for (const n of [1, 999_999, 1_000_000, 1_000_001, 12_345_678]) expect(claimId(stamp, n)).toMatch(fullMatch);
    expect(claimId(stamp, 999_999)).toBe('C20260101T0400-999999');
    expect(claimId(stamp, 1_000_000)).toBe('C20260101T0400-1000000');
    expect(text('claims').split('\n')[1].split(',')[0]).toBe(claimId(stamp, 1));
  });
});
