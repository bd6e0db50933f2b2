import { DuckDBInstance, type DuckDBBitValue } from '@duckdb/node-api';
import { unsetNumbers } from '../../../../activities/warehouse/duckdb/duckdb-bit-numbers';

/**
 * The DuckDB CSV loader finds the rows that failed a check as the numbers missing from a bitstring_agg of
 * the loaded and rejected ones: every count of bits (padding of 0 to 7), runs of whole bytes of ones, and
 * numbers missing at the first and last places, all missing (NULL), compared with the numbers counted here.
 */
describe('unsetNumbers', () => {
  it('gives exactly the numbers from 1 to the count that bitstring_agg did not see', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      for (const count of [1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200]) {
        for (const gaps of [[], [1], [count], [1, count], [2, 9, 10, 17], [...Array(count).keys()].map((k) => k + 1)]) {
          const missing = [...new Set(gaps.filter((n) => n >= 1 && n <= count))].sort((a, b) => a - b);
          const seen = [...Array(count).keys()].map((k) => k + 1).filter((n) => !missing.includes(n));
          const rows = (
            await conn.runAndReadAll(
              `SELECT bitstring_agg(n, 1, ${count}) FROM (SELECT unnest([${[...seen, ...seen.slice(0, 3)].join(', ')}]::BIGINT[]) AS n)`,
            )
          ).getRows();
          expect({ count, missing: unsetNumbers(rows[0][0] as DuckDBBitValue | null, count) }).toEqual({
            count,
            missing,
          });
        }
      }
    } finally {
      conn.closeSync();
    }
  });
});
