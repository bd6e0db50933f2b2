/**
 * A consumer's staging merges, run beside its writes instead of between them: at most one at a time,
 * one starting at most every `everyMs`, and one more after rows were written while one ran (so the
 * last rows of a burst do not wait for the next batch). A merge's failure is kept for the consumer to
 * throw at its next batch, as if the merge had run inside it.
 */
export class StagingMerges {
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = false;
  private lastStart = Date.now();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly merge: () => Promise<void>,
    private readonly everyMs: number,
  ) {}

  /** Rows were written: a merge starts now if allowed, else as soon as the cadence and the running one let it. */
  request(): void {
    this.due = true;
    this.schedule();
  }

  /** Throws what the last failed merge threw (once). */
  rethrow(): void {
    const f = this.failure;
    this.failure = undefined;
    if (f) throw f.error;
  }

  /** Starts no more merges and waits for the running one; its failure stays for {@link rethrow}. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    await this.running;
  }

  private schedule(): void {
    if (this.running || this.timer || !this.due) return;
    const wait = this.lastStart + this.everyMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.due = false;
    this.lastStart = Date.now();
    this.running = this.merge()
      .catch((error: unknown) => {
        this.failure = { error };
      })
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }
}
