import { evaluateRuleFile, parseRuleFile, type TableQualityResult } from '../../activities/quality';
import { createSlaActivities } from '../../activities/sla';
import type { Warehouse } from '../../activities/warehouse';
import { compared, describeEngines, withReference } from '../helpers/engines';

/**
 * The data-quality rule engine and the freshness SLA on every engine of the test list
 * (test/helpers/engines.ts); each engine compared with the reference runs the same rules on the same rows
 * and must find what DuckDB finds.
 */

const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };

/** Claims with one defect of each kind; written in SQL both engines take. */
async function setup(w: Warehouse): Promise<void> {
  const ago = (minutes: number) => `${w.dialect.now()} - INTERVAL '${minutes} MINUTES'`;
  for (const sql of [
    'CREATE SCHEMA IF NOT EXISTS q',
    'CREATE OR REPLACE TABLE q.members (member_id VARCHAR)',
    "INSERT INTO q.members VALUES ('M1'), ('M2')",
    `CREATE OR REPLACE TABLE q.claims (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, billed ${w.dialect.columnType('decimal')},
       paid ${w.dialect.columnType('decimal')}, updated_at ${w.dialect.columnType('timestamp')})`,
    `INSERT INTO q.claims VALUES
       ('C1', 'M1', 'paid', 100, 80, ${ago(10)}),
       ('C2', NULL, 'paid', 100, 50, ${ago(10)}),
       ('C3', 'M2', 'lost', 100, 0, ${ago(10)}),
       ('C4', 'M9', 'paid', 100, 10, ${ago(10)}),
       ('C5', 'M1', 'paid', 100, 150, ${ago(10)}),
       ('C6', 'M2', 'denied', 100, 0, ${ago(20)}),
       ('C6', 'M2', 'paid', 100, 90, ${ago(5)}),
       ('x7', 'M1', 'paid', 100, 90, ${ago(10)})`,
  ])
    await w.execute(sql);
}

const RULES = parseRuleFile(
  `table: q.claims
key: [claim_id]
rules:
  - { name: mandatory_ids, type: mandatory, columns: [claim_id, member_id], quarantine: true }
  - { name: id_format, type: format, column: claim_id, regex: 'C\\d+' }
  - { name: status_known, type: format, column: status, expression: "status IN ('paid', 'denied')" }
  - { name: member_known, type: lookup, column: member_id, references: { table: q.members, column: member_id } }
  - { name: one_per_claim, type: duplicates, columns: [claim_id], orderBy: updated_at DESC }
  - { name: paid_le_billed, type: business, expression: paid <= billed }
  - { name: rows, type: row_count, min: 1, max: 100 }
  - { name: member_complete, type: completeness, column: member_id, minPercent: 100 }
  - { name: fresh, type: freshness, column: updated_at, maxAgeMinutes: 60 }
  - { name: shape, type: schema, columns: { claim_id: string, billed: decimal, updated_at: timestamp } }`,
  'q.claims.yml',
);

/** What a run found, without timings. */
const outcome = (r: TableQualityResult) => ({
  rows: r.rows,
  invalidRows: r.invalidRows,
  score: r.score,
  quarantined: r.quarantined,
  results: r.results.map((x) => ({
    rule: x.rule,
    passed: x.passed,
    failedRows: x.failedRows,
    sampleKeys: x.sampleKeys,
    // The freshness message quotes the newest timestamp, which each engine writes its own way, and its
    // age in whole minutes, which depends on when each engine evaluated it (checked on its own below).
    message: x.message
      .replace(/\d{4}-\d\d-\d\d[ T][\d:.]+(Z|[+-]\d\d(:?\d\d)?)?/, '<time>')
      .replace(/is \d+ minutes old/, 'is <n> minutes old'),
  })),
});

describeEngines(
  'quality rules on %s, against the reference',
  (engine) => {
    const pair = withReference(() => engine.open('quality'), 'quality-reference');

    it('finds what DuckDB finds, rule by rule, and quarantines the same rows', async () => {
      await setup(pair.w);
      await setup(pair.reference);
      const sfResult = await evaluateRuleFile(pair.w, RULES, { runId: 'sf-run', interval });
      // The newest claim was written 5 minutes before the check (6 when a minute boundary fell between).
      expect(sfResult.results.find((r) => r.rule === 'fresh')?.message).toMatch(/ is [56] minutes old; allowed 60$/);
      const got = outcome(sfResult);
      const want = outcome(await evaluateRuleFile(pair.reference, RULES, { runId: 'duck-run', interval }));
      expect(got).toEqual(want);
      expect(got.results.find((r) => r.rule === 'member_known')).toMatchObject({ passed: false, sampleKeys: ['C4'] });
      const errors = (w: Warehouse) =>
        w.query('SELECT rule, row_key, column_name, value FROM q.claims__quality_errors ORDER BY rule, row_key');
      expect(await errors(pair.w)).toEqual(await errors(pair.reference));
      const left = (w: Warehouse) => w.query('SELECT claim_id FROM q.claims ORDER BY claim_id, status');
      expect(await left(pair.w)).toEqual(await left(pair.reference));
      expect(await left(pair.w)).not.toContainEqual({ claim_id: 'C2' }); // quarantined: no member_id
    });
  },
  compared,
);

describeEngines('freshness and score SLAs on %s', (engine) => {
  let sf: Warehouse;
  beforeAll(async () => {
    sf = await engine.open('quality-sla');
  });
  afterAll(() => sf?.close());

  it('opens a freshness SLA breach when the data is stale and closes it when it is fresh again', async () => {
    await setup(sf);
    await evaluateRuleFile(sf, RULES, { runId: 'sla-run', interval }); // scores the table 25
    const { checkSlas } = createSlaActivities({
      warehouse: sf,
      pipeline: { name: `sla-${process.pid}`, intervalHours: 4 },
      slas: {
        checkEveryMinutes: 5,
        qualityScoreMin: 50,
        freshness: [{ table: 'q.claims', column: 'updated_at', maxMinutes: 3 }],
      },
      webhooks: [],
    });
    const first = await checkSlas();
    // The newest claim is 5 minutes old (limit 3); the latest score (25) is below 50.
    expect(first.opened.sort()).toEqual(['freshness:q.claims', 'quality']);
    await sf.execute(`INSERT INTO q.claims VALUES ('C8', 'M1', 'paid', 1, 1, ${sf.dialect.now()})`);
    const second = await checkSlas();
    expect(second.opened).toEqual([]);
    expect(second.closed).toEqual(['freshness:q.claims']);
    expect(
      await sf.query(
        "SELECT CAST(COUNT(*) AS INTEGER) AS n FROM audit.sla_breaches WHERE closed_at IS NULL AND sla = 'quality'",
      ),
    ).toEqual([{ n: 1 }]);
  });
});
