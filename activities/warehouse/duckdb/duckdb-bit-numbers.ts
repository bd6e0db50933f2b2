import type { DuckDBBitValue } from '@duckdb/node-api';

/**
 * The numbers from 1 to `count` whose bit is 0 in `bits` (bit i - 1 stands for i), all of them when `bits` is
 * NULL (a bitstring_agg of no rows); a byte of ones is skipped whole.
 */
export function unsetNumbers(bits: DuckDBBitValue | null, count: number): number[] {
  if (bits === null) return Array.from({ length: count }, (_, i) => i + 1);
  const out: number[] = [];
  const bytes = bits.data;
  const padding = bits.padding();
  for (let i = 0; i < count; i++) {
    const at = padding + i;
    if ((at & 7) === 0 && bytes[1 + (at >> 3)] === 0xff && i + 8 <= count) {
      i += 7;
      continue;
    }
    if (bits.getBit(i) === 0) out.push(i + 1);
  }
  return out;
}
