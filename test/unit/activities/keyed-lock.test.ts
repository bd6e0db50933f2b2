import { KeyedLock } from '../../../activities/keyed-lock';

describe('KeyedLock', () => {
  it('runs work for one key one at a time, in order, and other keys in parallel', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const task = (key: string, name: string, ms: number) =>
      lock.run(key, async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([task('a', 'a1', 30), task('a', 'a2', 1), task('b', 'b1', 5)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(events).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it('lets the next holder run after a failure', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('a', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
