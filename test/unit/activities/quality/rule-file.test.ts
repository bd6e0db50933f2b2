import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuleFiles, parseRuleFile, RuleFileError } from '../../../../activities/quality';
import { tmpDir } from '../../../helpers/tmp';

const parse = (yaml: string) => parseRuleFile(yaml, 'rules/claims.yml');

describe('rule files', () => {
  it('applies defaults: error severity, zero tolerance, no quarantine', () => {
    const f = parse('table: staging.claims\nrules:\n  - { name: id, type: mandatory, columns: [claim_id] }\n');
    expect(f.rules[0]).toEqual({
      name: 'id',
      type: 'mandatory',
      columns: ['claim_id'],
      severity: 'error',
      threshold: { count: 0 },
      quarantine: false,
    });
  });

  it.each([
    [
      'an unknown rule type',
      '  - { name: a, type: mandatroy, columns: [x] }',
      /rules\.0\.type: Invalid discriminator value\. Expected 'mandatory' \| 'format'/,
    ],
    [
      'a misspelt key',
      '  - { name: a, type: mandatory, colums: [x] }',
      /rules\.0: Unrecognized key\(s\) in object: 'colums'/,
    ],
    ['a missing key', '  - { name: a, type: lookup, column: x }', /rules\.0\.references: Required/],
    [
      'regex and expression together',
      "  - { name: a, type: format, column: x, regex: 'a', expression: 'x > 1' }",
      /rules\.0\.regex: give exactly one of regex or expression/,
    ],
    [
      'quarantine without a key',
      '  - { name: a, type: business, expression: x > 1, quarantine: true }',
      /rules\.0\.quarantine: quarantine needs the file to declare a key/,
    ],
    [
      'a bad severity',
      '  - { name: a, type: business, expression: x > 1, severity: fatal }',
      /rules\.0\.severity: Invalid enum value\. Expected 'warn' \| 'error', received 'fatal'/,
    ],
    [
      'a threshold with both forms',
      '  - { name: a, type: business, expression: x > 1, threshold: { count: 1, percent: 2 } }',
      /rules\.0\.threshold: give exactly one of count or percent/,
    ],
    [
      'a row count without bounds',
      '  - { name: a, type: row_count }',
      /rules\.0\.min: give min, max or maxChangePercent/,
    ],
    [
      'an identifier that could inject SQL',
      '  - { name: a, type: mandatory, columns: ["x; drop table y"] }',
      /rules\.0\.columns\.0: expected a plain SQL identifier/,
    ],
  ])('names the file, the path and what was expected for %s', (_what, rule, message) => {
    const run = () => parse(`table: staging.claims\nrules:\n${rule}\n`);
    expect(run).toThrow(RuleFileError);
    expect(run).toThrow(/^rules\/claims\.yml:\n/);
    expect(run).toThrow(message);
  });

  it('rejects duplicate rule names and a table without a schema', () => {
    expect(() => parse('table: claims\nrules:\n  - { name: a, type: row_count, min: 1 }\n')).toThrow(
      /table: expected schema\.table/,
    );
    expect(() =>
      parse('table: s.t\nrules:\n  - { name: a, type: row_count, min: 1 }\n  - { name: a, type: row_count, min: 2 }\n'),
    ).toThrow(/rules\.1\.name: rule name "a" is used twice/);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parse('table: [oops\n')).toThrow(/^rules\/claims\.yml: not valid YAML/);
  });

  it("validates the platform's own rule files", () => {
    const files = loadRuleFiles(join(__dirname, '..', '..', '..', '..', 'quality', 'rules'));
    expect(files.map((f) => f.table).sort()).toEqual([
      'marts.member_claims_summary',
      'staging.stg_claims',
      'staging.stg_members',
    ]);
  });

  it('names a rules folder that cannot be read', () => {
    expect(() => loadRuleFiles('/nonexistent/rules')).toThrow(
      /cannot read the rules folder \/nonexistent\/rules \(quality\.rulesDir\)/,
    );
  });

  it('reads every yml file of a folder in name order', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'b.yml'), 'table: s.b\nrules:\n  - { name: a, type: row_count, min: 1 }\n');
    writeFileSync(join(dir, 'a.yaml'), 'table: s.a\nrules:\n  - { name: a, type: row_count, min: 1 }\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    expect(loadRuleFiles(dir).map((f) => f.table)).toEqual(['s.a', 's.b']);
  });
});
