/** Terminal output helpers for the CLI: progress lines and aligned tables. */

/** Prints a progress line prefixed with the elapsed time since `since`. */
export function progress(since: number, message: string): void {
  const s = ((Date.now() - since) / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s] ${message}`);
}

/** Formats rows as an aligned text table. */
export function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    return typeof v === 'object' ? JSON.stringify(v) : `${v as number | boolean | bigint}`;
  };
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

/** `1234567` → `1,234,567`. */
export const num = (n: number): string => n.toLocaleString('en-US');
