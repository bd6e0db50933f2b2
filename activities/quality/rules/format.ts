import { z } from 'zod';
import { identifier, sql } from './rule-fields';
import { defineRowRule } from './rule-type';

/** `format`: a column's values match a regex, or satisfy a SQL expression. */
export const format = defineRowRule({
  type: 'format',
  fields: { column: identifier, regex: z.string().min(1).optional(), expression: sql.optional() },
  check: (rule) =>
    (rule.regex === undefined) === (rule.expression === undefined)
      ? { key: 'regex', message: 'give exactly one of regex or expression' }
      : undefined,
  violationsSql: (q, rule) => {
    const c = rule.column;
    const ok =
      rule.regex !== undefined ? q.d.regexFullMatch(q.text(c), rule.regex) : `coalesce((${rule.expression}), FALSE)`;
    const message = rule.regex !== undefined ? `does not match ${rule.regex}` : `fails ${rule.expression}`;
    return `${q.select(c, q.text(c), q.d.literal(message))} FROM ${q.table} WHERE ${q.where} AND t.${q.d.quoteIdent(c)} IS NOT NULL AND NOT ${ok}`;
  },
});
