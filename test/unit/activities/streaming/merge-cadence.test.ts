import { MergeCadence } from '../../../../activities/streaming/merge-cadence';

describe('MergeCadence', () => {
  it('fixed: the next merge is due mergeEveryMs after the last one ended, whatever it cost', () => {
    const c = new MergeCadence(1000, false, 0);
    expect(c.dueIn(0)).toBe(1000);
    expect(c.dueIn(400)).toBe(600);
    c.merged(1000, 1050);
    expect(c.dueIn(1050)).toBe(1000);
    expect(c.dueIn(2100)).toBe(0);
  });

  it('adaptive: due at once at the start, then twice the last merge after it ended, never later than mergeEveryMs', () => {
    const c = new MergeCadence(1000, true, 0);
    expect(c.dueIn(0)).toBe(0);
    c.merged(10, 60); // 50 ms: the next one 100 ms after
    expect(c.dueIn(60)).toBe(100);
    expect(c.dueIn(130)).toBe(30);
    expect(c.dueIn(160)).toBe(0);
    c.merged(200, 900); // 700 ms: twice that is beyond the cadence, which caps it
    expect(c.dueIn(900)).toBe(1000);
    c.merged(2000, 2020); // cheap again: back to 40 ms
    expect(c.dueIn(2020)).toBe(40);
  });
});
