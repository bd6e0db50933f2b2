import { sql } from './rule-fields';
import { defineRowRule } from './rule-type';

/** `business`: every row satisfies a SQL expression. */
export const business = defineRowRule({
  type: 'business',
  fields: { expression: sql },
  violationsSql: ({ d, table, where, select }, rule) =>
    `${select(null, 'NULL', d.literal(`violates ${rule.expression}`))} FROM ${table} WHERE ${where} AND NOT coalesce((${rule.expression}), FALSE)`,
});
