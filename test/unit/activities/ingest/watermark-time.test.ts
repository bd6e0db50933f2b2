import { watermarkTime } from '../../../../activities/ingest/watermark-time';
import type { SqlTableConfig } from '../../../../lib/config/schema';

const table = (type: 'timestamp' | 'date' | 'integer'): SqlTableConfig => ({
  name: 'events',
  schema: 'public',
  mode: 'incremental',
  watermark: 'w',
  columns: { w: type },
  required: [],
});

describe('watermark time', () => {
  it('reads a timestamp or date watermark as the source returns it, UTC unless it names a zone', () => {
    expect(watermarkTime(table('timestamp'), '2026-06-01 03:59:12.5')).toBe(Date.parse('2026-06-01T03:59:12.5Z'));
    expect(watermarkTime(table('timestamp'), '2026-06-01 05:00:00+02')).toBe(Date.parse('2026-06-01T03:00:00Z'));
    expect(watermarkTime(table('timestamp'), '2026-06-01T03:00:00Z')).toBe(Date.parse('2026-06-01T03:00:00Z'));
    expect(watermarkTime(table('date'), '2026-06-01')).toBe(Date.parse('2026-06-01T00:00:00Z'));
  });

  it('has no time for a sequence, no watermark or text it cannot read', () => {
    expect(watermarkTime(table('integer'), '12345')).toBeUndefined();
    expect(watermarkTime(table('timestamp'), null)).toBeUndefined();
    expect(watermarkTime(table('timestamp'), 'yesterday')).toBeUndefined();
  });
});
