import { accessReads, accessSummary, readAccessReport } from '../../../../activities/governance';
import { duckdbDialect, snowflakeDialect } from '../../../../activities/warehouse';
import { BadInputError } from '../../../../lib/errors';

/** Rows as ACCESS_HISTORY ⋈ QUERY_HISTORY returns them through the Snowflake warehouse (keys lower-cased). */
const RECORDED = [
  {
    read_at: new Date('2026-03-02T09:15:00Z'),
    user_name: 'ANA',
    role_name: 'PORTAL_READER',
    object_name: 'EDP.CONSUMPTION.MEMBER_PORTAL_SUMMARY',
    query_id: 'q1',
  },
  {
    read_at: '2026-03-02T10:00:00.000Z',
    user_name: 'ANA',
    role_name: 'PHI_READER',
    object_name: 'EDP.CONSUMPTION.MEMBER_PORTAL_SUMMARY',
    query_id: 'q2',
  },
  {
    read_at: '2026-03-02T08:00:00.000Z',
    user_name: 'BOB',
    role_name: 'PORTAL_READER',
    object_name: 'EDP.CONSUMPTION.OPEN_CLAIMS_NOW',
    query_id: 'q3',
  },
];

describe('data-access report', () => {
  it('asks Snowflake ACCESS_HISTORY for direct reads of the consumption schemas in the window, without the platform QUERY_TAG', async () => {
    const seen: string[] = [];
    const reads = await readAccessReport(
      { dialect: snowflakeDialect, query: (sql) => (seen.push(sql), Promise.resolve(RECORDED)) },
      { since: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-03-03T00:00:00Z'), schemas: ['consumption'] },
    );
    expect(seen).toEqual([
      `SELECT ah.query_start_time AS read_at, ah.user_name AS user_name, qh.role_name AS role_name,
  obj.value:"objectName"::STRING AS object_name, ah.query_id AS query_id
FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY ah,
  LATERAL FLATTEN(input => ah.direct_objects_accessed) obj,
  SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY qh
WHERE qh.query_id = ah.query_id
  AND ah.query_start_time >= TO_TIMESTAMP_LTZ('2026-03-01T00:00:00.000Z')
  AND ah.query_start_time < TO_TIMESTAMP_LTZ('2026-03-03T00:00:00.000Z')
  AND UPPER(SPLIT_PART(obj.value:"objectName"::STRING, '.', 2)) IN ('CONSUMPTION')
  AND COALESCE(TRY_PARSE_JSON(qh.query_tag):app::STRING, '') <> 'edp'
ORDER BY read_at, object_name`,
    ]);
    expect(reads[0]).toEqual({
      readAt: '2026-03-02T09:15:00.000Z',
      user: 'ANA',
      role: 'PORTAL_READER',
      object: 'EDP.CONSUMPTION.MEMBER_PORTAL_SUMMARY',
      queryId: 'q1',
    });
  });

  it('keeps the platform statements when asked', async () => {
    let sql = '';
    await readAccessReport(
      { dialect: snowflakeDialect, query: (q) => ((sql = q), Promise.resolve([])) },
      { since: new Date(0), until: new Date(1), schemas: ['consumption', 'marts'], includePlatform: true },
    );
    expect(sql).toContain(`IN ('CONSUMPTION', 'MARTS')`);
    expect(sql).not.toContain('query_tag');
  });

  it('summarises reads per object and user with their roles, first and last read', () => {
    expect(accessSummary(accessReads(RECORDED))).toEqual([
      {
        object: 'EDP.CONSUMPTION.MEMBER_PORTAL_SUMMARY',
        user: 'ANA',
        roles: 'PHI_READER, PORTAL_READER',
        reads: 2,
        first: '2026-03-02T09:15:00.000Z',
        last: '2026-03-02T10:00:00.000Z',
      },
      {
        object: 'EDP.CONSUMPTION.OPEN_CLAIMS_NOW',
        user: 'BOB',
        roles: 'PORTAL_READER',
        reads: 1,
        first: '2026-03-02T08:00:00.000Z',
        last: '2026-03-02T08:00:00.000Z',
      },
    ]);
  });

  it('refuses on DuckDB, saying it keeps no access history, without querying', async () => {
    const query = jest.fn();
    const request = { since: new Date(0), until: new Date(1), schemas: ['consumption'] };
    await expect(readAccessReport({ dialect: duckdbDialect, query }, request)).rejects.toThrow(BadInputError);
    await expect(readAccessReport({ dialect: duckdbDialect, query }, request)).rejects.toThrow(/no access history/);
    expect(query).not.toHaveBeenCalled();
  });
});
