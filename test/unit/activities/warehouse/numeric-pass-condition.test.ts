import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { duckdbDialect } from '../../../../activities/warehouse';
import { numericChecks } from '../../../../activities/warehouse/load-tables';
import type { LandingColumnType } from '../../../../lib/config/schema';

/** Every text of up to `length` characters over `alphabet`. */
function texts(alphabet: string, length: number): string[] {
  let level = [''];
  const all: string[] = [];
  for (let n = 0; n < length; n++) {
    level = level.flatMap((t) => [...alphabet].map((c) => t + c));
    all.push(...level);
  }
  return all;
}

describe('numeric checks: the shared pass condition', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => conn.closeSync());

  // The loaders test one condition on every row and the three checks only on rows failing it: they must agree.
  it.each<LandingColumnType>(['decimal', 'decimal(4,2)', 'decimal(3,0)', 'decimal(2,2)', 'integer'])(
    '%s: passes exactly when none of the three checks fails',
    async (type) => {
      const d = duckdbDialect;
      const checks = numericChecks(d, 'v', type, d.tryCast('"v"', type));
      const failedAny = checks.map((c) => `(${c.failed})`).join(' OR ');
      const values = [...texts('019.-+ ', 5), '99999999999999999.5', '1234567890123456.10', '9223372036854775808'];
      const reader = await conn.runAndReadAll(
        `SELECT v, coalesce(${checks[0].passes}, FALSE) AS passes, coalesce(NOT (${failedAny}), FALSE) AS none_failed
         FROM (SELECT unnest($1) AS v)`,
        [listValue(values)],
      );
      const rows = reader.getRows();
      const disagree = rows.filter(([, passes, noneFailed]) => passes !== noneFailed).map(([v]) => v);
      expect(rows.length).toBe(values.length);
      expect(rows.filter(([, passes]) => passes === true).length).toBeGreaterThan(50);
      expect(disagree).toEqual([]);
    },
  );
});
