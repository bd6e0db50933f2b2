import { z } from 'zod';
import { identifier } from './rule-fields';
import { defineTableRule, formatCount as fmt } from './rule-type';

/** `freshness`: the newest value of a timestamp column is at most `maxAgeMinutes` old. */
export const freshness = defineTableRule({
  type: 'freshness',
  fields: {
    column: identifier,
    maxAgeMinutes: z.number().int().positive(),
    /** Age measured against the current time, or against the end of the run's data interval (for backfills). */
    relativeTo: z.enum(['now', 'interval_end']).default('now'),
  },
  sql: ({ d, table, where, intervalEnd }, rule) => {
    const newest = `CAST(max(t.${d.quoteIdent(rule.column)}) AS ${d.columnType('timestamp')})`;
    const reference =
      rule.relativeTo === 'interval_end' && intervalEnd
        ? `CAST(${d.literal(intervalEnd)} AS ${d.columnType('timestamp')})`
        : d.now();
    return `SELECT CAST(${newest} AS VARCHAR) AS newest, ${d.minutesBetween(newest, reference)} AS age_minutes FROM ${table} WHERE ${where}`;
  },
  evaluate: async (c, rule) => {
    const [r] = await c.query<{ newest: string | null; age_minutes: string | number | null }>(c.sql);
    if (r.newest === null) return { passed: false, checkedRows: 0, message: `no ${rule.column} values at all` };
    const age = Number(r.age_minutes);
    return {
      passed: age <= rule.maxAgeMinutes,
      checkedRows: 1,
      message: `newest ${rule.column} ${r.newest} is ${fmt(age)} minutes old; allowed ${fmt(rule.maxAgeMinutes)}`,
    };
  },
});
