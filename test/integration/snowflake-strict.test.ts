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
      "INSERT INTO strict_claims VALUES ('C1', 'paid', '2026-01-01 00:00:00 +00:00'), ('C2', 'open', '2026-01-02 00:00:00 +00:00')",
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
    const [row] = await w.query<{ n: number; ms: number; d: string }>(
      `SELECT count_if(status = 'paid') AS n, date_part(epoch_millisecond, max(updated_at)) AS ms,
         to_char(max(updated_at), 'YYYY-MM-DD') AS d FROM strict_claims`,
    );
    expect({ n: Number(row.n), ms: Number(row.ms), d: row.d }).toEqual({
      n: 1,
      ms: Date.parse('2026-01-02T00:00:00Z'),
      d: '2026-01-02',
    });
  });
});
