import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createQualityActivities,
  evaluateRuleFile,
  parseRuleFile,
  type RuleResult,
} from '../../../../activities/quality';
import { DuckDbWarehouse } from '../../../../activities/warehouse';
import { tmpDir } from '../../../helpers/tmp';

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

/** Claims with one defect of each kind, and a clean copy; rules for every rule type. */
const SETUP = `
  CREATE SCHEMA s;
  CREATE TABLE s.members AS SELECT * FROM (VALUES ('M1'), ('M2')) t(member_id);
  CREATE TABLE s.dirty (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, billed DECIMAL(10,2), paid DECIMAL(10,2), updated_at TIMESTAMPTZ);
  INSERT INTO s.dirty VALUES
    ('C1', 'M1', 'paid',   100, 80,  now() - INTERVAL 10 MINUTE),
    ('C2', NULL, 'paid',   100, 50,  now() - INTERVAL 10 MINUTE),   -- missing member
    ('C3', 'M2', 'lost',   100, 0,   now() - INTERVAL 10 MINUTE),   -- bad status
    ('C4', 'M9', 'paid',   100, 10,  now() - INTERVAL 10 MINUTE),   -- unknown member
    ('C5', 'M1', 'paid',   100, 150, now() - INTERVAL 10 MINUTE),   -- paid > billed
    ('C6', 'M2', 'denied', 100, 0,   now() - INTERVAL 20 MINUTE),
    ('C6', 'M2', 'paid',   100, 90,  now() - INTERVAL 5 MINUTE),    -- duplicate claim (newer kept)
    ('x7', 'M1', 'paid',   100, 90,  now() - INTERVAL 10 MINUTE);   -- bad id format
  CREATE TABLE s.clean AS SELECT * FROM s.dirty WHERE claim_id IN ('C1', 'C6') AND status = 'paid';
`;

const rules = (table: string, extra = '') =>
  parseRuleFile(
    `table: ${table}
key: [claim_id]
rules:
  - { name: mandatory_ids, type: mandatory, columns: [claim_id, member_id] }
  - { name: id_format, type: format, column: claim_id, regex: 'C\\d+' }
  - { name: status_known, type: format, column: status, expression: "status IN ('paid', 'denied')" }
  - { name: member_known, type: lookup, column: member_id, references: { table: s.members, column: member_id } }
  - { name: one_per_claim, type: duplicates, columns: [claim_id], orderBy: updated_at DESC }
  - { name: paid_le_billed, type: business, expression: paid <= billed }
  - { name: rows, type: row_count, min: 1, max: 100 }
  - { name: member_complete, type: completeness, column: member_id, minPercent: 100 }
  - { name: fresh, type: freshness, column: updated_at, maxAgeMinutes: 60 }
  - { name: shape, type: schema, columns: { claim_id: string, billed: decimal, updated_at: timestamp } }
${extra}`,
    `${table}.yml`,
  );

describe('rule engine on a real DuckDB file', () => {
  let w: DuckDbWarehouse;
  beforeEach(async () => {
    w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'w.duckdb') });
    for (const stmt of SETUP.split(';')
      .map((s) => s.replace(/--.*$/gm, '').trim())
      .filter(Boolean))
      await w.execute(stmt);
  });
  afterEach(() => w.close());
  const byName = (results: RuleResult[]) => Object.fromEntries(results.map((r) => [r.rule, r]));

  it('passes every rule type on clean data with a score of 100', async () => {
    const r = await evaluateRuleFile(w, rules('s.clean'), { runId: 'run-clean', interval });
    expect(r.results.filter((x) => !x.passed)).toEqual([]);
    expect(r).toMatchObject({ rows: 2, invalidRows: 0, score: 100, quarantined: 0 });
  });

  it('fails each rule type on its defect, naming the offending keys', async () => {
    const r = await evaluateRuleFile(w, rules('s.dirty'), { runId: 'run-dirty', interval });
    const res = byName(r.results);
    expect(res.mandatory_ids).toMatchObject({ passed: false, failedRows: 1, sampleKeys: ['C2'] });
    expect(res.id_format).toMatchObject({ passed: false, failedRows: 1, sampleKeys: ['x7'] });
    expect(res.status_known).toMatchObject({ passed: false, sampleKeys: ['C3'] });
    expect(res.member_known).toMatchObject({ passed: false, sampleKeys: ['C4'] });
    expect(res.one_per_claim).toMatchObject({ passed: false, failedRows: 1, sampleKeys: ['C6'] });
    expect(res.paid_le_billed).toMatchObject({
      passed: false,
      sampleKeys: ['C5'],
      message: '1 of 8 rows (12.5%) fail; allowed 0',
    });
    expect(res.member_complete).toMatchObject({ passed: false, message: '87.5% of 8 rows have member_id; need 100%' });
    expect(res.rows.passed).toBe(true);
    expect(res.fresh.passed).toBe(true);
    expect(res.shape.passed).toBe(true);
    expect(r).toMatchObject({ rows: 8, invalidRows: 6, score: 25 });

    const errors = await w.query(
      'SELECT rule, row_key, column_name, value, message FROM s.dirty__quality_errors ORDER BY rule, row_key',
    );
    expect(errors).toContainEqual({
      rule: 'member_known',
      row_key: 'C4',
      column_name: 'member_id',
      value: 'M9',
      message: 'not found in s.members.member_id',
    });
    expect(errors).toContainEqual({
      rule: 'id_format',
      row_key: 'x7',
      column_name: 'claim_id',
      value: 'x7',
      message: 'does not match C\\d+',
    });
    const audit = await w.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM audit.quality_rule_results WHERE run_id = 'run-dirty'",
    );
    expect(audit).toEqual([{ n: 10 }]);
    expect(await w.query("SELECT score FROM audit.quality_scores WHERE run_id = 'run-dirty'")).toEqual([{ score: 25 }]);
  });

  it('respects filters, thresholds and severities', async () => {
    const f = parseRuleFile(
      `table: s.dirty
key: [claim_id]
rules:
  - { name: denied_unpaid, type: business, filter: "status = 'denied'", expression: paid = 0 }
  - { name: paid_le_billed_1, type: business, expression: paid <= billed, threshold: { count: 1 } }
  - { name: paid_le_billed_pct, type: business, expression: paid <= billed, threshold: { percent: 10 }, severity: warn }`,
      'f.yml',
    );
    const res = byName((await evaluateRuleFile(w, f, { runId: 'run-t' })).results);
    expect(res.denied_unpaid).toMatchObject({ passed: true, checkedRows: 1 });
    expect(res.paid_le_billed_1).toMatchObject({ passed: true, failedRows: 1 });
    expect(res.paid_le_billed_pct).toMatchObject({ passed: false, severity: 'warn' }); // 12.5% > 10%
  });

  it('fails schema, freshness and row-count rules with what it found', async () => {
    const f = parseRuleFile(
      `table: s.dirty
rules:
  - { name: shape, type: schema, exact: true, columns: { claim_id: integer, nope: string } }
  - { name: fresh, type: freshness, column: updated_at, maxAgeMinutes: 60, relativeTo: interval_end }
  - { name: rows, type: row_count, max: 3 }`,
      'f.yml',
    );
    const backfill = { start: '2030-01-01T00:00:00.000Z', end: '2030-01-01T04:00:00.000Z' }; // data is years older than this interval
    const res = byName((await evaluateRuleFile(w, f, { runId: 'run-s', interval: backfill })).results);
    expect(res.shape.message).toContain(
      'claim_id is VARCHAR, expected integer; nope is missing; member_id is not expected',
    );
    expect(res.fresh.passed).toBe(false);
    expect(res.fresh.message).toMatch(/^newest updated_at .* is [\d,]+ minutes old; allowed 60$/);
    expect(res.rows).toMatchObject({ passed: false, message: '8 rows: above the maximum 3' });
  });

  it('compares row counts with the previous run', async () => {
    const f = parseRuleFile(
      'table: s.dirty\nrules:\n  - { name: rows, type: row_count, maxChangePercent: 20 }\n',
      'f.yml',
    );
    expect((await evaluateRuleFile(w, f, { runId: 'r1' })).results[0].passed).toBe(true);
    await w.execute("DELETE FROM s.dirty WHERE claim_id IN ('C1', 'C2', 'C3')");
    const second = (await evaluateRuleFile(w, f, { runId: 'r2' })).results[0];
    expect(second).toMatchObject({
      passed: false,
      message: "5 rows, 37.5% change against the previous run's 8: changed more than 20%",
    });
  });

  it('quarantines failing rows out of the table, keeps them in the error table, and a retry loses nothing', async () => {
    const f = parseRuleFile(
      `table: s.dirty
key: [claim_id]
rules:
  - { name: member_known, type: lookup, column: member_id, references: { table: s.members, column: member_id }, quarantine: true }
  - { name: one_per_claim, type: duplicates, columns: [claim_id], orderBy: updated_at DESC, quarantine: true }
  - { name: paid_le_billed, type: business, expression: paid <= billed, severity: warn }`,
      'f.yml',
    );
    const first = await evaluateRuleFile(w, f, { runId: 'run-q' });
    expect(first.quarantined).toBe(2); // C4 (unknown member) and the older copy of C6; a NULL member is the mandatory rule's business
    const left = await w.query<{ claim_id: string; status: string }>(
      'SELECT claim_id, status FROM s.dirty ORDER BY claim_id, status',
    );
    expect(left.map((r) => `${r.claim_id}:${r.status}`)).toEqual([
      'C1:paid',
      'C2:paid',
      'C3:lost',
      'C5:paid',
      'C6:paid',
      'x7:paid',
    ]);
    const kept = await w.query(
      'SELECT rule, row_key, quarantined FROM s.dirty__quality_errors WHERE quarantined ORDER BY rule, row_key',
    );
    expect(kept).toEqual([
      { rule: 'member_known', row_key: 'C4', quarantined: true },
      { rule: 'one_per_claim', row_key: 'C6', quarantined: true },
    ]);
    const json = await w.query<{ row_json: string }>(
      "SELECT row_json FROM s.dirty__quality_errors WHERE rule = 'one_per_claim'",
    );
    expect(JSON.parse(json[0].row_json)).toMatchObject({ claim_id: 'C6', status: 'denied' }); // the older copy, whole

    const retry = await evaluateRuleFile(w, f, { runId: 'run-q' });
    expect(retry.quarantined).toBe(0);
    expect(byName(retry.results).member_known).toMatchObject({ failedRows: 1, sampleKeys: ['C4'] });
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM s.dirty__quality_errors WHERE quarantined')).toEqual([
      { n: 2 },
    ]);
    expect(await w.query('SELECT count(*)::INTEGER AS n FROM s.dirty')).toEqual([{ n: 6 }]);
  });

  it('runs the same rules on a micro-batch table, recording against the logical table', async () => {
    await w.execute("CREATE TABLE s.batch_0001 AS SELECT * FROM s.dirty WHERE claim_id IN ('C1', 'C5')");
    const r = await evaluateRuleFile(w, rules('s.dirty'), {
      runId: 'stream-1',
      target: { schema: 's', table: 'batch_0001' },
    });
    expect(r).toMatchObject({ table: 's.dirty', checked: 's.batch_0001', rows: 2, invalidRows: 1, score: 50 });
    expect(byName(r.results).paid_le_billed.sampleKeys).toEqual(['C5']);
    expect(
      await w.query("SELECT DISTINCT checked_table FROM s.dirty__quality_errors WHERE run_id = 'stream-1'"),
    ).toEqual([{ checked_table: 's.batch_0001' }]);
  });

  it('fails every rule of a table that does not exist', async () => {
    const r = await evaluateRuleFile(w, rules('s.missing'), { runId: 'run-m' });
    expect(r.results.every((x) => !x.passed && x.message === 'table s.missing does not exist')).toBe(true);
    expect(r.score).toBe(0);
  });

  it('lists rule files for chosen tables and runs one as an activity', async () => {
    const dir = tmpDir();
    writeFileSync(
      join(dir, 'claims.yml'),
      'table: s.dirty\nkey: [claim_id]\nrules:\n  - { name: paid_le_billed, type: business, expression: paid <= billed }\n',
    );
    const acts = createQualityActivities({ warehouse: w, rulesDir: dir });
    expect(await acts.listQualityRuleFiles({})).toEqual([{ file: 'claims.yml', table: 's.dirty', rules: 1 }]);
    await expect(acts.listQualityRuleFiles({ tables: ['s.other'] })).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining('covers s.other'),
    });
    const r = await acts.runQualityRuleFile({ file: 'claims.yml', runId: 'a1', interval });
    expect(r.results[0]).toMatchObject({ passed: false, sampleKeys: ['C5'] });
    await expect(acts.runQualityRuleFile({ file: 'nope.yml', runId: 'a1' })).rejects.toMatchObject({
      nonRetryable: true,
    });
  });
});
