import { curationOrder, deployRealtime, withUpstreams } from '../../../../activities/realtime';
import { snowflakeDialect, type Warehouse } from '../../../../activities/warehouse';
import { realtimeSchema } from '../../../../lib/config/realtime-schema';

/** Three layers, configured top first: claims → claims per member → members with open claims. */
const config = realtimeSchema.parse({
  targetLag: '2 minutes',
  tables: [
    {
      name: 'members_with_open_claims',
      targetLag: '5 minutes',
      sql: 'select member_id from {{ curation.claims_per_member }} where open_claims > 0',
    },
    {
      name: 'claims_per_member',
      sql: `select member_id, count(*) as open_claims from {{ curation.claims_latest }} where status = 'open' group by member_id`,
    },
    {
      name: 'claims_latest',
      targetLag: '1 minute',
      columns: ['claim_id', 'member_id', 'status'],
      history: { table: 'raw.claims', changedAt: '_edp_loaded_at' },
      changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
      sql: 'select claim_id, member_id, status from {{ integration }}',
    },
  ],
});

describe('a chain of curation tables', () => {
  it('refreshes a due table with everything it reads, upstream first, and nothing else', () => {
    const ordered = curationOrder(config);
    expect(ordered.map((o) => [o.table.name, o.index, o.layer])).toEqual([
      ['claims_latest', 2, 1],
      ['claims_per_member', 1, 2],
      ['members_with_open_claims', 0, 3],
    ]);
    const names = (due: string[]) => withUpstreams(ordered, new Set(due)).map((o) => o.table.name);
    expect(names(['members_with_open_claims'])).toEqual([
      'claims_latest',
      'claims_per_member',
      'members_with_open_claims',
    ]);
    expect(names(['claims_per_member'])).toEqual(['claims_latest', 'claims_per_member']);
    expect(names(['claims_latest'])).toEqual(['claims_latest']);
    expect(names([])).toEqual([]);
  });

  it('deploys Snowflake dynamic tables upstream first, each reading the dynamic table below, change tracking on base tables only', async () => {
    const statements: string[] = [];
    const recording = {
      dialect: snowflakeDialect,
      execute: (sql: string) => Promise.resolve(statements.push(sql.replace(/\s+/g, ' '))),
    } as unknown as Warehouse;
    const deployed = await deployRealtime({ warehouse: recording, realtime: { ...config, warehouse: 'RT_WH' } });
    expect(deployed.views).toEqual(['integration.claims_latest']);
    expect(statements.filter((s) => !s.startsWith('CREATE SCHEMA'))).toEqual([
      expect.stringMatching(/^CREATE OR REPLACE VIEW "INTEGRATION"."CLAIMS_LATEST" AS /),
      'ALTER TABLE "RAW"."CLAIMS" SET CHANGE_TRACKING = TRUE',
      'ALTER TABLE "STAGING"."CLAIM_EVENTS" SET CHANGE_TRACKING = TRUE',
      `CREATE OR REPLACE DYNAMIC TABLE "CURATION"."CLAIMS_LATEST" TARGET_LAG = '60 seconds' WAREHOUSE = "RT_WH" REFRESH_MODE = AUTO AS select claim_id, member_id, status from "INTEGRATION"."CLAIMS_LATEST"`,
      `CREATE OR REPLACE DYNAMIC TABLE "CURATION"."CLAIMS_PER_MEMBER" TARGET_LAG = '120 seconds' WAREHOUSE = "RT_WH" REFRESH_MODE = AUTO AS select member_id, count(*) as open_claims from "CURATION"."CLAIMS_LATEST" where status = 'open' group by member_id`,
      `CREATE OR REPLACE DYNAMIC TABLE "CURATION"."MEMBERS_WITH_OPEN_CLAIMS" TARGET_LAG = '300 seconds' WAREHOUSE = "RT_WH" REFRESH_MODE = AUTO AS select member_id from "CURATION"."CLAIMS_PER_MEMBER" where open_claims > 0`,
    ]);
  });

  it('names the key of a cycle in a config built without config load', () => {
    const cyclic = { ...config, tables: config.tables.map((t) => ({ ...t })) };
    cyclic.tables[2].sql = 'select * from {{ curation.members_with_open_claims }}';
    expect(() => curationOrder(cyclic)).toThrow(
      'realtime.tables[0].sql: curation tables read each other in a cycle: members_with_open_claims → claims_per_member → claims_latest → members_with_open_claims',
    );
  });
});
