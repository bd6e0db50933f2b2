/**
 * Serialises work per key inside this worker process. Pipelines of different intervals rebuild the
 * same model tables, check the same quality tables and commit to the same Delta tables; on one
 * DuckDB file (one process holds it) waiting here is cheaper than a catalog conflict and a retry.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier holder of `key` has finished. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
