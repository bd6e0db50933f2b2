import { cpus, loadavg, totalmem } from 'node:os';

/** The machine a bench ran on, as one line. */
export function machine(): string {
  return `${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

/** The 1-minute load average now. */
export const loadAverage = (): number => loadavg()[0];

/** Load averages before and after a round, flagged when either exceeds the core count (its figures are noisy). */
export function loadNote(before: number, after: number): string {
  const busy = Math.max(before, after) > cpus().length;
  return `load average ${before.toFixed(2)} → ${after.toFixed(2)}${busy ? ` (over ${cpus().length} cores: noisy)` : ''}`;
}

/** Median, min and max of some figures, printed with `digits` decimals. */
export function spread(values: readonly number[], digits = 2): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return `median ${median.toFixed(digits)} (min ${sorted[0].toFixed(digits)}, max ${sorted[sorted.length - 1].toFixed(digits)}, ${sorted.length} rounds)`;
}

/** A count with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
