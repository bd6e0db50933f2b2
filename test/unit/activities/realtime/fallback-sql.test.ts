import { fallbackViews } from '../../../../activities/realtime';
import { duckdbDialect, snowflakeDialect } from '../../../../activities/warehouse';
import { realtimeSchema } from '../../../../lib/config/realtime-schema';
import type { StreamTopicConfig } from '../../../../lib/config/schema';

const claims: StreamTopicConfig = {
  topic: 'edp.claims.events',
  table: 'claim_events',
  format: 'json',
  columns: { claim_id: 'string', status: 'string' },
  key: ['claim_id'],
};

const config = (fallback: Record<string, unknown>) =>
  realtimeSchema.parse({
    tables: [
      {
        name: 'claim_status_current',
        columns: ['claim_id', 'status'],
        history: { table: 'raw.claims', changedAt: '_edp_loaded_at' },
        changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
        sql: 'select claim_id, status from {{ integration }}',
      },
    ],
    fallbacks: [
      {
        name: 'claim_status_served',
        realtime: 'select claim_id, status from {{ curation.claim_status_current }}',
        batch: 'select claim_id, claim_status as status from marts.fct_claims',
        batchAsOf: { table: 'raw.claims' },
        ...fallback,
      },
    ],
  });

const flat = (sql: string) => sql.replace(/\s+/g, ' ');

describe('fallback views', () => {
  it('defaults the lag budget to 5 minutes and the batch as-of column to _edp_loaded_at', () => {
    const c = config({});
    expect(c.lagBudget).toBe(300);
    expect(c.fallbacks[0].batchAsOf.column).toBe('_edp_loaded_at');
    expect(c.fallbacks[0].streams).toEqual([]);
  });

  it('serves realtime rows within the budget, as of the stalest curation table and stream, NULL-safe on every engine', () => {
    const [view] = fallbackViews(snowflakeDialect, config({ streams: ['claim_events'], lagBudget: 90 }), [claims]);
    expect(view.ref).toEqual({ schema: 'consumption', table: 'claim_status_served' });
    const sql = flat(view.select);
    // Snowflake's LEAST is NULL when an argument is: unknown freshness must not be skipped (DuckDB skips it).
    expect(sql).toMatch(
      /CASE WHEN \(SELECT data_timestamp FROM audit\.realtime_state WHERE table_name = 'claim_status_current'\) IS NULL OR \(SELECT CASE WHEN m\.total_lag = 0/,
    );
    expect(sql).toContain("WHERE m.topic = 'edp.claims.events'");
    expect(sql).toContain("INTERVAL '90 SECONDS', FALSE) AS realtime_fresh");
    expect(sql).toContain("'REALTIME' AS data_freshness_indicator, f.realtime_as_of AS data_as_of");
    expect(sql).toContain("'BATCH' AS data_freshness_indicator, f.batch_as_of AS data_as_of");
    expect(sql).toContain('WHERE NOT f.realtime_fresh');
    expect(sql).not.toContain('NOT EXISTS');
  });

  it('with key, serves batch rows for keys the realtime answer lacks', () => {
    const [view] = fallbackViews(duckdbDialect, config({ key: ['claim_id'] }), []);
    expect(flat(view.select)).toContain(
      'WHERE NOT f.realtime_fresh OR NOT EXISTS (SELECT 1 FROM edp_realtime r WHERE r."claim_id" = b."claim_id")',
    );
  });

  it('names the config key of an unknown stream or placeholder', () => {
    expect(() => fallbackViews(duckdbDialect, config({ streams: ['nope'] }), [claims])).toThrow(
      'realtime.fallbacks[0].streams[0]: nope is not one of streaming.topics',
    );
    expect(() =>
      fallbackViews(duckdbDialect, config({ realtime: 'select * from {{ curation.missing }}' }), [claims]),
    ).toThrow('realtime.fallbacks[0].realtime: unknown placeholder {{ curation.missing }}');
  });
});
