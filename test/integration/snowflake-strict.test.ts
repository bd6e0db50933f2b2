import { classifyError } from '../../activities/errors';
import type { Warehouse } from '../../activities/warehouse';
import { openFakesnow } from '../helpers/fakesnow';

/**
 * The local Snowflake server's strict check over the driver (infra/fakesnow_strict.py): SQL that runs on
 * DuckDB beneath but that Snowflake rejects fails as Snowflake fails it, non-retryable bad SQL; the same
 * computation in Snowflake's SQL runs. Each statement here ran before the check.
 */
describe('the local Snowflake server refuses DuckDB-only SQL', () => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await openFakesnow(`edp_strict_${process.pid}`);
    await w.execute(
      'CREATE OR REPLACE TABLE strict_claims (claim_id VARCHAR, status VARCHAR, updated_at TIMESTAMP_TZ)',
    );
    await w.execute(
      "INSERT INTO strict_claims VALUES ('C1', 'paid', '2026-01-01T00:00:00Z'), ('C2', 'open', '2026-01-02T00:00:00Z')",
    );
  });
  afterAll(() => w?.close());

  it.each([
    ['epoch(…)', 'SELECT epoch(max(updated_at)) AS s FROM strict_claims', /Unknown function EPOCH/],
    ['count(*) filter (where …)', "SELECT count(*) FILTER (WHERE status = 'paid') AS n FROM strict_claims", /FILTER/],
    [
      "'-infinity'::timestamptz",
      "SELECT coalesce(max(updated_at), '-infinity'::timestamptz) AS t FROM strict_claims",
      /-infinity/,
    ],
    ['strftime', "SELECT strftime(max(updated_at), '%Y-%m-%d') AS d FROM strict_claims", /Unknown function STRFTIME/],
  ])('%s fails as non-retryable bad SQL', async (_what, sql, message) => {
    const err = await w.query(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    const failure = classifyError(err, 'strict');
    expect(failure.nonRetryable).toBe(true);
  });

  it('runs the same in Snowflake SQL', async () => {
    const [row] = await w.query<{ n: number; ms: number; h: number; floor: number }>(
      `SELECT count_if(status = 'paid') AS n, date_part(epoch_millisecond, max(updated_at)) AS ms,
         datediff('hour', min(updated_at), max(updated_at)) AS h,
         date_part(epoch_millisecond, coalesce(min(updated_at), '0001-01-01 00:00:00 +00:00'::timestamp_tz)) AS floor
       FROM strict_claims`,
    );
    expect([row.n, row.ms, row.h, row.floor].map(Number)).toEqual([
      1,
      Date.parse('2026-01-02T00:00:00Z'),
      24,
      Date.parse('2026-01-01T00:00:00Z'),
    ]);
  });
});
