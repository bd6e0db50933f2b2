import { z } from 'zod';
import { identifier } from './rule-fields';
import { defineRowRule } from './rule-type';

/** `mandatory`: the columns are neither null nor blank. */
export const mandatory = defineRowRule({
  type: 'mandatory',
  fields: { columns: z.array(identifier).min(1) },
  violationsSql: (q, rule) =>
    rule.columns
      .map(
        (c) =>
          `${q.select(c, 'NULL', q.d.literal('missing mandatory value'))} FROM ${q.table} WHERE ${q.where} AND (t.${q.d.quoteIdent(c)} IS NULL OR trim(${q.text(c)}) = '')`,
      )
      .join(' UNION ALL '),
});
