/**
 * A merge costs at most this share of a busy consumer's time when the cadence adapts: the next merge
 * waits twice as long as the last one took (a third of the time merging, two thirds writing).
 */
const WAIT_PER_MERGE_TIME = 2;

/**
 * When a consumer merges its written rows into staging next. Fixed: `everyMs` after the last merge
 * ended. Adaptive: sooner while merges are cheap, as soon as twice the last merge's duration has passed
 * since it ended, and never later than the fixed cadence; so a written row waits about one micro-batch
 * and one merge instead of up to `everyMs`, and a merge that grows slow (a large staging table, a loaded
 * machine, a remote engine) spaces the merges out again, up to `everyMs`.
 */
export class MergeCadence {
  private lastEnd: number;
  private lastCost = 0;

  constructor(
    private readonly everyMs: number,
    private readonly adaptive: boolean,
    now: number,
  ) {
    this.lastEnd = now;
  }

  /** Milliseconds from `now` until the next merge is due; 0 when it is due now. */
  dueIn(now: number): number {
    const wait = this.adaptive ? Math.min(this.everyMs, WAIT_PER_MERGE_TIME * this.lastCost) : this.everyMs;
    return Math.max(0, this.lastEnd + wait - now);
  }

  /** Records a merge that ran from `start` to `end` (milliseconds). */
  merged(start: number, end: number): void {
    this.lastCost = Math.max(0, end - start);
    this.lastEnd = end;
  }
}
