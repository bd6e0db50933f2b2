import { z } from 'zod';
import { identifier, sql } from './rule-fields';
import { defineRowRule, filterSql } from './rule-type';

/** `duplicates`: no two rows share the columns; the first by `orderBy` is kept, the later ones fail. */
export const duplicates = defineRowRule({
  type: 'duplicates',
  fields: { columns: z.array(identifier).min(1), orderBy: sql },
  violationsSql: ({ d, table, where, text, select }, rule) => {
    const cols = rule.columns.map((c) => `t.${d.quoteIdent(c)}`).join(', ');
    const value = `concat_ws('|', ${rule.columns.map(text).join(', ')})`;
    const message = d.literal(`duplicate of an earlier row by (${rule.columns.join(', ')}) ordered by ${rule.orderBy}`);
    return `${select(rule.columns.join(','), value, message)} FROM (
          SELECT t.*, row_number() OVER (PARTITION BY ${cols} ORDER BY ${rule.orderBy}) AS edp_dup_rank FROM ${table} WHERE ${where}
        ) t WHERE t.edp_dup_rank > 1`;
  },
  // Duplicates share their key with the row that is kept, so they are removed by rebuilding the table.
  quarantineSql: (d, target, rule) => {
    const cols = rule.columns.map((c) => `t.${d.quoteIdent(c)}`).join(', ');
    const inScope = filterSql(rule);
    return d.createTableAs(
      target,
      `SELECT * EXCLUDE (edp_dup_rank) FROM (
           SELECT t.*, CASE WHEN ${inScope} THEN row_number() OVER (PARTITION BY ${cols}, ${inScope} ORDER BY ${rule.orderBy}) ELSE 1 END AS edp_dup_rank
           FROM ${d.table(target)} t) t WHERE edp_dup_rank = 1`,
    );
  },
});
