/**
 * CPU time of this process between two moments of a run that finished earlier: the samples are taken while it
 * runs, so a step's CPU can be read off afterwards from the step's start and close times (a worker running in
 * the bench's process: its JS and DuckDB's threads).
 */
export class CpuSamples {
  private readonly samples: Array<{ at: number; cpuMs: number }> = [];
  private readonly timer: NodeJS.Timeout;

  /** Starts sampling every `everyMs` milliseconds. */
  constructor(everyMs = 50) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  /** Stops sampling (after a last sample). */
  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  /** CPU seconds used between two wall-clock times (ms since the epoch), interpolated between samples. */
  secondsBetween(from: number, to: number): number {
    return (this.cpuAt(to) - this.cpuAt(from)) / 1000;
  }

  private take(): void {
    const u = process.cpuUsage();
    this.samples.push({ at: Date.now(), cpuMs: (u.user + u.system) / 1000 });
  }

  private cpuAt(at: number): number {
    const s = this.samples;
    if (at <= s[0].at) return s[0].cpuMs;
    for (let i = 1; i < s.length; i++) {
      if (at <= s[i].at) {
        const [a, b] = [s[i - 1], s[i]];
        return a.cpuMs + ((b.cpuMs - a.cpuMs) * (at - a.at)) / Math.max(1, b.at - a.at);
      }
    }
    return s[s.length - 1].cpuMs;
  }
}
