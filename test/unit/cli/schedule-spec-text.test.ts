import { durationText, intervalSpecText } from '../../../cli/schedule-commands';

describe('edp schedules show', () => {
  it('prints a schedule interval as a person writes it: every 4h, not every 14400000', () => {
    expect(intervalSpecText([{ every: 4 * 3_600_000, offset: 0 }])).toBe('every 4h');
    expect(intervalSpecText([{ every: 6 * 3_600_000, offset: 15 * 60_000 }])).toBe('every 6h offset 15m');
    expect(
      intervalSpecText([
        { every: 86_400_000, offset: 0 },
        { every: 5_400_000, offset: 90_500 },
      ]),
    ).toBe('every 1d; every 1h30m offset 1m30s500ms');
    expect(durationText(0)).toBe('0s');
  });
});
