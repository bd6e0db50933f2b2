import { z } from 'zod';
import { parseRuleFile, ruleSchema, RuleFileError, RULE_TYPES } from '../../../../activities/quality';
import { defineRowRule, defineTableRule, ruleTypeOf } from '../../../../activities/quality/rules';

describe('rule type registry', () => {
  it('lists every rule type once, in the order messages name them', () => {
    expect(RULE_TYPES.map((t) => t.type)).toEqual([
      'mandatory',
      'format',
      'lookup',
      'duplicates',
      'business',
      'row_count',
      'completeness',
      'freshness',
      'schema',
    ]);
    expect(RULE_TYPES.filter((t) => t.level === 'row').map((t) => t.type)).toEqual([
      'mandatory',
      'format',
      'lookup',
      'duplicates',
      'business',
    ]);
  });

  it('builds the rule schema from the registry, so an unknown type names every registered one', () => {
    expect([...ruleSchema.optionsMap.keys()]).toEqual(RULE_TYPES.map((t) => t.type));
    const run = () => parseRuleFile('table: s.t\nrules:\n  - { name: a, type: nope }\n', 'r.yml');
    expect(run).toThrow(RuleFileError);
    expect(run).toThrow(
      `r.yml:\n  rules.0.type: Invalid discriminator value. Expected ${RULE_TYPES.map((t) => `'${t.type}'`).join(' | ')}`,
    );
  });

  it('finds the registered type of a parsed rule', () => {
    const file = parseRuleFile(
      'table: s.t\nrules:\n  - { name: a, type: business, expression: x > 1 }\n  - { name: b, type: row_count, min: 1 }\n',
      'r.yml',
    );
    expect(file.rules.map((r) => ruleTypeOf(r).type)).toEqual(['business', 'row_count']);
    expect(file.rules.map((r) => ruleTypeOf(r).level)).toEqual(['row', 'table']);
  });

  it('gives a defined type the common keys of its level', () => {
    const row = defineRowRule({ type: 'positive', fields: { column: z.string() }, violationsSql: () => 'SELECT 1' });
    expect(row.schema.parse({ name: 'a', type: 'positive', column: 'x' })).toEqual({
      name: 'a',
      type: 'positive',
      column: 'x',
      severity: 'error',
      threshold: { count: 0 },
      quarantine: false,
    });
    const table = defineTableRule({
      type: 'always',
      fields: {},
      evaluate: () => Promise.resolve({ passed: true, checkedRows: 0, message: 'ok' }),
    });
    expect(table.schema.parse({ name: 'a', type: 'always' })).toEqual({ name: 'a', type: 'always', severity: 'error' });
    expect(() => table.schema.parse({ name: 'a', type: 'always', quarantine: true })).toThrow(/Unrecognized key/);
  });
});
