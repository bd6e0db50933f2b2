import { z } from 'zod';
import { defineTableRule, formatCount as fmt, percentOf as pct } from './rule-type';

/** `row_count`: the table's row count within bounds, and not changed too much since the previous run. */
export const rowCount = defineTableRule({
  type: 'row_count',
  fields: {
    min: z.number().int().nonnegative().optional(),
    max: z.number().int().nonnegative().optional(),
    /** Largest allowed change, in percent, against the same rule's count in the previous run. */
    maxChangePercent: z.number().nonnegative().optional(),
  },
  check: (rule) =>
    rule.min === undefined && rule.max === undefined && rule.maxChangePercent === undefined
      ? { key: 'min', message: 'give min, max or maxChangePercent' }
      : undefined,
  sql: ({ table, where }) => `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
  evaluate: async (c, rule) => {
    const observed = Number((await c.query<{ n: string | number }>(c.sql))[0].n);
    const problems: string[] = [];
    if (rule.min !== undefined && observed < rule.min) problems.push(`below the minimum ${fmt(rule.min)}`);
    if (rule.max !== undefined && observed > rule.max) problems.push(`above the maximum ${fmt(rule.max)}`);
    let versus = '';
    if (rule.maxChangePercent !== undefined) {
      const previous = await c.previousCheckedRows();
      if (previous !== undefined) {
        const change = pct(Math.abs(observed - previous), previous);
        versus = `, ${change}% change against the previous run's ${fmt(previous)}`;
        if (change > rule.maxChangePercent) problems.push(`changed more than ${rule.maxChangePercent}%`);
      }
    }
    return {
      passed: problems.length === 0,
      checkedRows: observed,
      message: `${fmt(observed)} rows${versus}${problems.length ? `: ${problems.join(', ')}` : ''}`,
    };
  },
});
