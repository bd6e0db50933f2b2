import { parseRuleFile, tableRuleSql, violationsSql, isRowRule, type RowRule } from '../../../../activities/quality';
import { duckdbDialect, snowflakeDialect } from '../../../../activities/warehouse';

const file = parseRuleFile(
  [
    'table: staging.claims',
    'key: [claim_id]',
    'rules:',
    "  - { name: fmt, type: format, column: claim_id, regex: 'C\\d+' }",
    '  - { name: fresh, type: freshness, column: loaded_at, maxAgeMinutes: 60 }',
    '  - { name: lookup, type: lookup, column: member_id, references: { table: staging.members, column: member_id } }',
  ].join('\n'),
  'claims.yml',
);
const target = { schema: 'staging', table: 'claims' };
const rule = (name: string) => file.rules.find((r) => r.name === name)!;

describe('rule SQL per dialect', () => {
  it('uses each engine’s regex, quoting, row JSON and key expression', () => {
    const duck = violationsSql(duckdbDialect, target, file.key, rule('fmt') as RowRule);
    expect(duck).toContain(`regexp_full_match(CAST(t."claim_id" AS VARCHAR), 'C\\d+')`);
    expect(duck).toContain('FROM "staging"."claims" t');
    expect(duck).toContain('to_json(t)::VARCHAR AS row_json');
    expect(duck).toContain(`concat_ws('|', CAST(t."claim_id" AS VARCHAR)) AS row_key`);

    const snow = violationsSql(snowflakeDialect, target, file.key, rule('fmt') as RowRule);
    expect(snow).toContain(`REGEXP_LIKE(CAST(t."CLAIM_ID" AS VARCHAR), 'C\\\\d+')`);
    expect(snow).toContain('FROM "STAGING"."CLAIMS" t');
    expect(snow).toContain('TO_JSON(OBJECT_CONSTRUCT(t.*)) AS row_json');
  });

  it('measures freshness with each engine’s date arithmetic and clock', () => {
    expect(tableRuleSql(duckdbDialect, target, rule('fresh'))).toContain(
      `date_diff('minute', CAST(max(t."loaded_at") AS TIMESTAMPTZ), now())`,
    );
    expect(tableRuleSql(snowflakeDialect, target, rule('fresh'))).toContain(
      `DATEDIFF('minute', CAST(max(t."LOADED_AT") AS TIMESTAMP_TZ), CURRENT_TIMESTAMP())`,
    );
  });

  it('looks values up with NOT EXISTS against the referenced table', () => {
    const sql = violationsSql(duckdbDialect, target, file.key, rule('lookup') as RowRule);
    expect(sql).toMatch(/NOT EXISTS \(SELECT 1 FROM "staging"\."members" r WHERE r\."member_id" = t\."member_id"\)/);
    expect(isRowRule(rule('fresh'))).toBe(false);
  });

  it('maps engine types to platform types for schema rules', () => {
    expect(duckdbDialect.typeFamily('DECIMAL(18,2)')).toBe('decimal');
    expect(duckdbDialect.typeFamily('TIMESTAMP WITH TIME ZONE')).toBe('timestamp');
    expect(snowflakeDialect.typeFamily('NUMBER(38,0)')).toBe('integer');
    expect(snowflakeDialect.typeFamily('NUMBER(18,2)')).toBe('decimal');
  });
});
