import {
  AUDIT_TABLES,
  auditSchemaVersion,
  EXPORT_MANIFEST,
  INGEST_MANIFEST,
  migrateAudit,
  readDeadLetters,
  readLatestQualityRunId,
  readQualityRun,
  readRecentExports,
  readRecentLoads,
  readSlaStatus,
  REALTIME_STATE,
} from '../../activities/audit';
import { createDeadLetterActivities } from '../../activities/dead-letters';
import { evaluateRuleFile, parseRuleFile } from '../../activities/quality';
import { recordSlaStates } from '../../activities/sla';
import type { Warehouse } from '../../activities/warehouse';
import { describeEngines } from '../helpers/engines';

/**
 * The audit schema's migrations and readers on every engine, with the same assertions: what the CLI
 * (`edp quality report`, `edp dead-letters`, `edp sla status`) and the console read.
 */
const interval = { start: '2026-07-01T00:00:00.000Z', end: '2026-07-01T04:00:00.000Z' };

const RULES = parseRuleFile(
  `table: q.claims
key: [claim_id]
rules:
  - { name: ids, type: mandatory, columns: [member_id] }
  - { name: status_known, type: format, column: status, expression: "status IN ('paid', 'denied')", severity: warn }
  - { name: rows, type: row_count, min: 1 }`,
  'q.claims.yml',
);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEngines('the audit schema on %s', (engine) => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await engine.open('audit_readers');
  });
  afterAll(() => w?.close());

  it('brings tables of earlier code to the current version (5) once, keeping their rows', async () => {
    await w.execute('CREATE SCHEMA IF NOT EXISTS audit');
    // realtime_state before it recorded full refreshes.
    await w.execute(
      `CREATE TABLE audit.realtime_state (table_name VARCHAR PRIMARY KEY, data_ms BIGINT, data_timestamp TIMESTAMPTZ,
         mode VARCHAR, row_count BIGINT, duration_ms BIGINT)`,
    );
    await w.execute("INSERT INTO audit.realtime_state VALUES ('claims_current', 1000, NULL, 'full', 5, 20)");
    expect(await auditSchemaVersion(w)).toBe(0);
    expect(await migrateAudit(w)).toEqual([1, 2, 3, 4, 5]);
    expect(await migrateAudit(w)).toEqual([]);
    expect(await auditSchemaVersion(w)).toBe(5);
    for (const t of AUDIT_TABLES) {
      expect((await w.describeTable(t.ref))?.map((c) => c.name)).toEqual(Object.keys(t.columns));
    }
    const [row] = await w.query(`SELECT table_name, data_ms, full_ms FROM ${REALTIME_STATE.name}`);
    expect({ ...row, data_ms: Number(row.data_ms) }).toEqual({
      table_name: 'claims_current',
      data_ms: 1000,
      full_ms: null,
    });
  });

  it('reads the latest quality run, failed rules first', async () => {
    const d = w.dialect;
    await w.execute('CREATE SCHEMA IF NOT EXISTS q');
    await w.execute(
      `CREATE OR REPLACE TABLE q.claims (claim_id VARCHAR, member_id VARCHAR, status VARCHAR, updated_at ${d.columnType('timestamp')})`,
    );
    await w.execute(
      `INSERT INTO q.claims VALUES ('C1', 'M1', 'paid', ${d.now()}), ('C2', NULL, 'paid', ${d.now()}),
         ('C3', 'M2', 'lost', ${d.now()}), ('C4', 'M3', 'denied', ${d.now()})`,
    );
    expect(await readLatestQualityRunId(w)).toBeUndefined();
    await evaluateRuleFile(w, RULES, { runId: 'run-a', interval });
    await w.execute("UPDATE q.claims SET member_id = 'M9' WHERE claim_id = 'C2'");
    await evaluateRuleFile(w, RULES, { runId: 'run-b', interval });

    expect(await readLatestQualityRunId(w)).toBe('run-b');
    const run = await readQualityRun(w, 'run-a');
    expect(run.scores).toEqual([
      { table: 'q.claims', checkedTable: 'q.claims', rows: 4, invalidRows: 2, quarantinedRows: 0, score: 50 },
    ]);
    expect(run.rules.map(({ checkedAt, ...r }) => ({ ...r, checkedAt: ISO.test(checkedAt ?? '') }))).toEqual([
      {
        table: 'q.claims',
        rule: 'ids',
        ruleType: 'mandatory',
        severity: 'error',
        passed: false,
        message: expect.any(String),
        sampleKeys: ['C2'],
        checkedRows: 4,
        failedRows: 1,
        checkedAt: true,
      },
      {
        table: 'q.claims',
        rule: 'status_known',
        ruleType: 'format',
        severity: 'warn',
        passed: false,
        message: expect.any(String),
        sampleKeys: ['C3'],
        checkedRows: 4,
        failedRows: 1,
        checkedAt: true,
      },
      {
        table: 'q.claims',
        rule: 'rows',
        ruleType: 'row_count',
        severity: 'error',
        passed: true,
        message: expect.any(String),
        sampleKeys: [],
        checkedRows: 4,
        failedRows: 0,
        checkedAt: true,
      },
    ]);
    expect((await readQualityRun(w, 'run-b')).rules.map((r) => [r.rule, r.passed])).toEqual([
      ['status_known', false],
      ['ids', true],
      ['rows', true],
    ]);
    expect(await readQualityRun(w, "no-such-run' OR '1'='1")).toEqual({
      runId: "no-such-run' OR '1'='1",
      scores: [],
      rules: [],
    });
  });

  it("reads a pipeline's dead letters with their interval to the second", async () => {
    const { recordDeadLetter } = createDeadLetterActivities({ warehouse: w });
    const letter = {
      pipeline: 'claims',
      intervalStart: interval.start,
      intervalEnd: interval.end,
      step: 'export',
      stepWorkflowId: 'wf-export',
      workflowId: 'wf',
      runId: 'run-1',
      error: "marts.no_such_mart does not exist; it's gone",
    };
    await recordDeadLetter(letter);
    await recordDeadLetter(letter); // a retried recording adds nothing
    await recordDeadLetter({ ...letter, pipeline: 'other', runId: 'run-2' });
    const [got, ...more] = await readDeadLetters(w, 'claims');
    expect(more).toEqual([]);
    expect(got).toEqual({
      runId: 'run-1',
      workflowId: 'wf',
      pipeline: 'claims',
      intervalStart: '2026-07-01T00:00:00Z',
      intervalEnd: '2026-07-01T04:00:00Z',
      step: 'export',
      stepWorkflowId: 'wf-export',
      error: "marts.no_such_mart does not exist; it's gone",
      failedAt: expect.stringMatching(ISO),
    });
    expect(await readDeadLetters(w, 'none')).toEqual([]);
  });

  it("reads every SLA's latest state and when its open breach began", async () => {
    const first = new Date('2026-07-01T05:00:00.000Z');
    const second = new Date('2026-07-01T05:05:00.000Z');
    await recordSlaStates(
      w,
      'claims',
      [
        { sla: 'quality', breached: true, detail: 'score 25 < 50' },
        { sla: 'latency', breached: false, detail: 'ok' },
      ],
      [],
      first,
    );
    await recordSlaStates(
      w,
      'claims',
      [
        { sla: 'quality', breached: true, detail: 'score 30 < 50' },
        { sla: 'latency', breached: true, detail: '95 min > 60' },
        { sla: 'availability', breached: false, detail: '100%' },
      ],
      [],
      second,
    );
    expect(await readSlaStatus(w)).toEqual([
      {
        sla: 'availability',
        pipeline: 'claims',
        breached: false,
        detail: '100%',
        breachedSince: null,
        checkedAt: second.toISOString(),
      },
      {
        sla: 'latency',
        pipeline: 'claims',
        breached: true,
        detail: '95 min > 60',
        breachedSince: second.toISOString(),
        checkedAt: second.toISOString(),
      },
      {
        sla: 'quality',
        pipeline: 'claims',
        breached: true,
        detail: 'score 30 < 50',
        breachedSince: first.toISOString(),
        checkedAt: second.toISOString(),
      },
    ]);
  });

  it('keeps the same SLA of two pipelines apart, each with its own open breach', async () => {
    const third = new Date('2026-07-01T05:10:00.000Z');
    // `claims` has an open latency breach (above); the declared pipeline `finance` holds its own latency SLA.
    await recordSlaStates(w, 'finance', [{ sla: 'latency', breached: false, detail: 'on time' }], [], third);
    expect((await readSlaStatus(w)).filter((s) => s.sla === 'latency')).toEqual([
      {
        sla: 'latency',
        pipeline: 'claims',
        breached: true,
        detail: '95 min > 60',
        breachedSince: '2026-07-01T05:05:00.000Z',
        checkedAt: '2026-07-01T05:05:00.000Z',
      },
      {
        sla: 'latency',
        pipeline: 'finance',
        breached: false,
        detail: 'on time',
        breachedSince: null,
        checkedAt: third.toISOString(),
      },
    ]);
  });

  it('reads the latest file loads and mart exports, newest first', async () => {
    const ts = w.dialect.columnType('timestamp');
    for (const [file, at] of [
      ['claims/a.csv', '2026-07-01T04:01:00.000Z'],
      ['claims/b.csv', '2026-07-01T04:02:00.000Z'],
    ])
      await w.execute(
        `INSERT INTO ${INGEST_MANIFEST.name} VALUES (?, ?, ?, 10, 3, 2, 1, 'run-1', NULL, NULL, CAST(? AS ${ts}), 'loaded', NULL, 1)`,
        ['claims', file, file, at],
      );
    await w.execute(
      `INSERT INTO ${EXPORT_MANIFEST.name} VALUES ('run-1', 'claims_daily', 'partition', '/x', NULL, 3, 1, 40, 100, 2, CAST(? AS ${ts}))`,
      ['2026-07-01T04:03:00.000Z'],
    );
    expect(await readRecentLoads(w, 1)).toEqual([
      {
        entity: 'claims',
        file: 'claims/b.csv',
        status: 'loaded',
        reason: null,
        rowsIn: 3,
        rowsLoaded: 2,
        rowsQuarantined: 1,
        runId: 'run-1',
        loadedAt: '2026-07-01T04:02:00.000Z',
      },
    ]);
    expect(await readRecentExports(w)).toEqual([
      {
        mart: 'claims_daily',
        mode: 'partition',
        runId: 'run-1',
        deltaVersion: 3,
        rows: 40,
        files: 2,
        exportedAt: '2026-07-01T04:03:00.000Z',
      },
    ]);
  });
});
