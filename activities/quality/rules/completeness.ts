import { z } from 'zod';
import { identifier } from './rule-fields';
import { defineTableRule, formatCount as fmt, percentOf as pct } from './rule-type';

/** `completeness`: at least `minPercent` of the rows have a value in the column. */
export const completeness = defineTableRule({
  type: 'completeness',
  fields: { column: identifier, minPercent: z.number().min(0).max(100) },
  sql: ({ d, table, where }, rule) =>
    `SELECT count(*) AS checked, count(t.${d.quoteIdent(rule.column)}) AS present FROM ${table} WHERE ${where}`,
  evaluate: async (c, rule) => {
    const [r] = await c.query<{ checked: string; present: string }>(c.sql);
    const share = pct(Number(r.present), Number(r.checked));
    return {
      passed: share >= rule.minPercent,
      checkedRows: Number(r.checked),
      message: `${share}% of ${fmt(Number(r.checked))} rows have ${rule.column}; need ${rule.minPercent}%`,
    };
  },
});
