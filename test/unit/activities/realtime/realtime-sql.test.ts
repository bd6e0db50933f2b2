import {
  consumptionViews,
  curationSelect,
  integrationSelect,
  renderPlaceholders,
  timestampMs,
} from '../../../../activities/realtime';
import { duckdbDialect, snowflakeDialect } from '../../../../activities/warehouse';
import { realtimeSchema } from '../../../../lib/config/realtime-schema';

const config = realtimeSchema.parse({
  warehouse: 'EDP_REALTIME_WH',
  tables: [
    {
      name: 'member_eligibility_now',
      columns: ['member_id', 'plan_id'],
      history: { table: 'raw.eligibility', changedAt: '_edp_loaded_at', recentHours: 0.5 },
      changes: { table: 'staging.member_updates', changedAt: '_edp_merged_at', rename: { plan_id: 'plan' } },
      sql: 'select member_id, plan_id from {{ integration }}',
    },
  ],
  views: [{ name: 'portal', sql: 'select * from {{curation.member_eligibility_now}}' }],
});

describe('near-real-time SQL', () => {
  it('parses lags into seconds, with a one-minute default', () => {
    expect(config.targetLag).toBe(60);
    expect(realtimeSchema.parse({ targetLag: '90 seconds' }).targetLag).toBe(90);
    expect(realtimeSchema.parse({ targetLag: '2 hours' }).targetLag).toBe(7200);
    expect(() => realtimeSchema.parse({ targetLag: 'soon' })).toThrow("expected a lag such as '1 minute'");
    expect(() =>
      realtimeSchema.parse({
        tables: [{ ...config.tables[0], refresh: 'incremental', targetLag: undefined, key: undefined }],
      }),
    ).toThrow('refresh: incremental needs key');
  });

  it('writes the integration view as recent history ∪ changes, renaming columns per side', () => {
    const sql = integrationSelect(snowflakeDialect, config.tables[0]).replace(/\s+/g, ' ');
    expect(sql).toContain(
      `SELECT "MEMBER_ID" AS "MEMBER_ID", "PLAN_ID" AS "PLAN_ID", "_EDP_LOADED_AT" AS _edp_changed_at, 'history' AS _edp_source FROM "RAW"."ELIGIBILITY" WHERE "_EDP_LOADED_AT" > CURRENT_TIMESTAMP() - INTERVAL '1800 SECONDS'`,
    );
    expect(sql).toContain(
      `UNION ALL SELECT "MEMBER_ID" AS "MEMBER_ID", "PLAN" AS "PLAN_ID", "_EDP_MERGED_AT" AS _edp_changed_at, 'changes' AS _edp_source FROM "STAGING"."MEMBER_UPDATES"`,
    );
    expect(integrationSelect(duckdbDialect, config.tables[0])).toContain(`now() - INTERVAL '1800 SECONDS'`);
  });

  it('makes a Snowflake dynamic table with the target lag, change tracking on both sources', () => {
    const statements = snowflakeDialect.selfRefreshingTable!(
      { schema: 'curation', table: 'member_eligibility_now' },
      curationSelect(snowflakeDialect, config.tables[0], 0),
      config.targetLag,
      [
        { schema: 'raw', table: 'eligibility' },
        { schema: 'staging', table: 'member_updates' },
      ],
      'EDP_REALTIME_WH',
    ).map((s) => s.replace(/\s+/g, ' '));
    expect(statements).toEqual([
      'ALTER TABLE "RAW"."ELIGIBILITY" SET CHANGE_TRACKING = TRUE',
      'ALTER TABLE "STAGING"."MEMBER_UPDATES" SET CHANGE_TRACKING = TRUE',
      `CREATE OR REPLACE DYNAMIC TABLE "CURATION"."MEMBER_ELIGIBILITY_NOW" TARGET_LAG = '60 seconds' WAREHOUSE = "EDP_REALTIME_WH" REFRESH_MODE = AUTO AS select member_id, plan_id from "INTEGRATION"."MEMBER_ELIGIBILITY_NOW"`,
    ]);
    expect(duckdbDialect.selfRefreshingTable).toBeUndefined();
  });

  it('resolves curation placeholders in consumption views and names the key of an unknown one', () => {
    expect(consumptionViews(duckdbDialect, config)).toEqual([
      { ref: { schema: 'consumption', table: 'portal' }, select: 'select * from "curation"."member_eligibility_now"' },
    ]);
    expect(() => renderPlaceholders('select {{ nope }}', 'realtime.tables[3].sql', () => undefined)).toThrow(
      'realtime.tables[3].sql: unknown placeholder {{ nope }}',
    );
  });

  it('reads timestamps as drivers return them', () => {
    const at = Date.parse('2026-11-22T10:00:00.123Z');
    expect(timestampMs(new Date(at))).toBe(at);
    expect(timestampMs('2026-11-22 10:00:00.123+00')).toBe(at);
    expect(timestampMs('2026-11-22T10:00:00.123Z')).toBe(at);
    expect(timestampMs(null)).toBeNull();
    expect(timestampMs('not a time')).toBeNull();
  });
});
