import { z } from 'zod';
import { tableRef } from '../../warehouse';
import { identifier, tableName } from './rule-fields';
import { defineRowRule } from './rule-type';

/** `lookup`: a column's values exist in a column of another table. */
export const lookup = defineRowRule({
  type: 'lookup',
  fields: { column: identifier, references: z.object({ table: tableName, column: identifier }).strict() },
  violationsSql: ({ d, table, where, text, select }, rule) => {
    const c = d.quoteIdent(rule.column);
    const ref = rule.references;
    return `${select(rule.column, text(rule.column), d.literal(`not found in ${ref.table}.${ref.column}`))} FROM ${table}
        WHERE ${where} AND t.${c} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${d.table(tableRef(ref.table))} r WHERE r.${d.quoteIdent(ref.column)} = t.${c})`;
  },
});
