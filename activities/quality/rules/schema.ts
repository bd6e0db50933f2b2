import { z } from 'zod';
import { columnTypeSchema } from '../../../lib/config/schema';
import { identifier } from './rule-fields';
import { defineTableRule } from './rule-type';

/** `schema`: the table has the columns with the platform types given (and, if `exact`, no others). */
export const schema = defineTableRule({
  type: 'schema',
  fields: {
    columns: z.record(identifier, columnTypeSchema),
    /** Also fail on columns the table has beyond `columns`. */
    exact: z.boolean().default(false),
  },
  // Reads the catalog, not the table: no query of its own.
  evaluate: (c, rule) => {
    const actual = new Map(c.columns.map((col) => [col.name, col.type]));
    const problems: string[] = [];
    for (const [name, type] of Object.entries(rule.columns)) {
      const found = actual.get(name);
      if (found === undefined) problems.push(`${name} is missing`);
      else if (c.d.typeFamily(found) !== type) problems.push(`${name} is ${found}, expected ${type}`);
    }
    if (rule.exact)
      for (const name of actual.keys()) if (!(name in rule.columns)) problems.push(`${name} is not expected`);
    return Promise.resolve({
      passed: problems.length === 0,
      checkedRows: c.columns.length,
      message: problems.length ? problems.join('; ') : `${c.columns.length} columns as expected`,
    });
  },
});
