import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import { copyWithoutLines, scanCsvLines } from '../../activities/formats/csv-lines';
import { UnparsableFile, type BulkLoadRequest, type BulkLoadResult, type Warehouse } from '../../activities/warehouse';
import type { EntityConfig } from '../../lib/config/schema';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';

/**
 * The bad-row corpus (issue 21 items 9 and 11): one small CSV per row- or column-level defect, loaded
 * on every engine of the test list, on DuckDB's typed fast path and on its text path (the Snowflake
 * loader parses in Node either way). For each file: rows in = loaded + quarantined, every quarantined
 * row has a reason, the good rows load with exactly their values, and a header that does not match
 * the entity quarantines the file with a reason naming the columns.
 */
const dir = tmpDir();
const COLUMNS = {
  claim_id: 'string',
  billed_amount: 'decimal(12,2)',
  paid_amount: 'decimal(12,2)',
  note: 'string',
} as const;
type Row = Record<keyof typeof COLUMNS | '_edp_row_number', string | null>;
/** A loaded row as read back as text. */
const row = (claimId: string, billed: string | null, paid: string | null, note: string, rowNumber: number): Row => ({
  claim_id: claimId,
  billed_amount: billed,
  paid_amount: paid,
  note,
  _edp_row_number: String(rowNumber),
});

/** An error row's place (row or line), column and message. */
const reason = (at: string, column: string | null, message: string) => ({ at, column, message });
const TOO_FINE = 'more than 2 digits after the decimal point of decimal(12,2): never rounded';
const TOO_LARGE = 'more than 10 digits before the decimal point of decimal(12,2)';

/** Each defect: the file's lines, and what every engine must make of them. */
const CORPUS: Record<
  string,
  {
    lines: string[];
    extra?: Partial<BulkLoadRequest>;
    counts?: BulkLoadResult;
    rows?: Row[];
    reasons?: Array<{ at: string; column: string | null; message: string }>;
    refused?: RegExp;
  }
> = {
  'swapped header': {
    lines: ['claim_id,paid_amount,billed_amount,note', 'C1,10.00,100.00,a', 'C2,0.50,2.75,b'],
    counts: { rowsIn: 2, rowsLoaded: 2, rowsQuarantined: 0 },
    rows: [row('C1', '100.00', '10.00', 'a', 1), row('C2', '2.75', '0.50', 'b', 2)],
    reasons: [],
  },
  'reordered header, names in another case and spaced': {
    lines: ['Note , PAID_AMOUNT,claim_id,billed_amount', 'x,1,C1,2', '"y, z",,C2,3.5'],
    counts: { rowsIn: 2, rowsLoaded: 2, rowsQuarantined: 0 },
    rows: [row('C1', '2.00', '1.00', 'x', 1), row('C2', '3.50', null, 'y, z', 2)],
    reasons: [],
  },
  'extra column, ignored as configured': {
    lines: ['claim_id,billed_amount,source_system,paid_amount,note', 'C1,5,legacy,4,n', 'C2,6,"a,b",5,m'],
    extra: { extraColumns: 'ignore' },
    counts: { rowsIn: 2, rowsLoaded: 2, rowsQuarantined: 0 },
    rows: [row('C1', '5.00', '4.00', 'n', 1), row('C2', '6.00', '5.00', 'm', 2)],
    reasons: [],
  },
  'extra column, rejected by default': {
    lines: ['claim_id,billed_amount,source_system,paid_amount,note', 'C1,5,legacy,4,n'],
    refused:
      /^bad-rows\/.*: header does not match the entity's columns: unknown "source_system" \(extraColumns: reject\)$/,
  },
  'missing column': {
    lines: ['claim_id,billed_amount,note', 'C1,5,n'],
    refused: /^bad-rows\/.*: header does not match the entity's columns: missing paid_amount$/,
  },
  'column named twice': {
    lines: ['claim_id,billed_amount,paid_amount,note,paid_amount', 'C1,5,4,n,3'],
    refused: /header does not match the entity's columns: named twice paid_amount$/,
  },
  'NUL byte in a key and in a value': {
    lines: [
      'claim_id,billed_amount,paid_amount,note',
      'C1,1,1,ok',
      'C\u00002,1,1,ok',
      'C3,1,1,no\u0000te',
      'C4,2,2,ok',
    ],
    counts: { rowsIn: 4, rowsLoaded: 2, rowsQuarantined: 2 },
    rows: [row('C1', '1.00', '1.00', 'ok', 1), row('C4', '2.00', '2.00', 'ok', 4)],
    reasons: [
      reason('line 3', null, 'NUL byte in column "claim_id" at line 3'),
      reason('line 4', null, 'NUL byte in column "note" at line 4'),
    ],
  },
  'over-precise decimal': {
    lines: ['claim_id,billed_amount,paid_amount,note', 'C1,1.239,1,n', 'C2,1.230,-0.5,n', 'C3,2,0.001,n'],
    counts: { rowsIn: 3, rowsLoaded: 1, rowsQuarantined: 2 },
    rows: [row('C2', '1.23', '-0.50', 'n', 2)],
    reasons: [reason('row 1', 'billed_amount', TOO_FINE), reason('row 3', 'paid_amount', TOO_FINE)],
  },
  'too-large decimal': {
    lines: [
      'claim_id,billed_amount,paid_amount,note',
      'C1,12345678901,1,n',
      'C2,9999999999.99,-0009999999999,n',
      'C3,1,-10000000000.00,n',
      'C4,1e2,1,n',
    ],
    counts: { rowsIn: 4, rowsLoaded: 1, rowsQuarantined: 3 },
    rows: [row('C2', '9999999999.99', '-9999999999.00', 'n', 2)],
    reasons: [
      reason('row 1', 'billed_amount', TOO_LARGE),
      reason('row 3', 'paid_amount', TOO_LARGE),
      reason('row 4', 'billed_amount', 'not a valid decimal(12,2)'),
    ],
  },
};

let n = 0;

/** The request the ingest activity builds for a file: the scan's rejected lines taken out of a copy. */
async function requestFor(name: string, lines: string[], extra: Partial<BulkLoadRequest>): Promise<BulkLoadRequest> {
  n++;
  const file = join(dir, `corpus-${n}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const scan = await scanCsvLines(file, true, '"', 'utf8', ',');
  const source = join(dir, `corpus-${n}-clean.csv`);
  await copyWithoutLines(
    file,
    new Set([...scan.unbalanced.map((u) => u.line), ...scan.nul.map((u) => u.line)]),
    source,
  );
  return {
    file: source,
    format: 'csv',
    delimiter: ',',
    header: true,
    quote: '"',
    encoding: 'utf-8',
    columns: COLUMNS,
    required: ['claim_id'],
    target: { schema: 'raw', table: `corpus_${n}` },
    errors: { schema: 'raw', table: `corpus_${n}__errors` },
    rejectedLines: [...scan.unbalanced.map((u) => ({ ...u, reason: 'unbalanced quote' })), ...scan.nul],
    audit: { _edp_load_id: { value: n, type: 'integer' } },
    loadKey: '_edp_load_id',
    sourceName: `bad-rows/${name.replace(/\W+/g, '-')}.csv`,
    ...extra,
  };
}

/** Loads in a transaction, then reads the target's rows and the error table's reasons back as text. */
async function load(
  w: Warehouse,
  req: BulkLoadRequest,
): Promise<{
  counts: BulkLoadResult;
  rows: Row[];
  reasons: Array<{ at: string; column: string | null; message: string }>;
}> {
  await w.prepareBulkLoad(req);
  const counts = await w.transaction((tx) => tx.bulkLoad(req));
  const text = (c: string) => `CAST(${c} AS VARCHAR) AS ${c}`;
  const rows = await w.query<Row>(
    `SELECT ${[...Object.keys(COLUMNS), '_edp_row_number'].map(text).join(', ')}
     FROM ${w.dialect.table(req.target)} ORDER BY _edp_row_number`,
  );
  const errors = await w.query<{
    source_row: string | null;
    source_line: string | null;
    column_name: string | null;
    message: string;
  }>(
    `SELECT ${text('source_row')}, ${text('source_line')}, column_name, message FROM ${w.dialect.table(req.errors)}
     ORDER BY source_row, source_line, column_name`,
  );
  const reasons = errors.map((e) => ({
    at: e.source_row !== null ? `row ${e.source_row}` : `line ${e.source_line}`,
    column: e.column_name,
    message: e.message,
  }));
  return { counts, rows, reasons };
}

function corpusSuite(engine: TestEngine): void {
  let w: Warehouse;
  beforeAll(async () => {
    w = await engine.open('bad-rows');
    await w.execute('CREATE SCHEMA IF NOT EXISTS raw');
  });
  afterAll(() => w?.close());

  const paths = [
    ['the typed fast path', {}],
    ['the text path', { keepRawText: true }],
  ] as const;
  for (const [name, c] of Object.entries(CORPUS)) {
    describe.each(paths)(`${name}, on %s`, (_path, mode) => {
      if (c.refused) {
        it('quarantines the file with a reason naming the columns, loading nothing', async () => {
          const req = await requestFor(name, c.lines, { ...c.extra, ...mode });
          await w.prepareBulkLoad(req);
          const attempt = w.transaction((tx) => tx.bulkLoad(req));
          await expect(attempt).rejects.toBeInstanceOf(UnparsableFile);
          await expect(attempt).rejects.toThrow(c.refused);
          const count = await w.query<{ n: number | string }>(
            `SELECT COUNT(*) AS n FROM ${w.dialect.table(req.target)}`,
          );
          expect(Number(count[0].n)).toBe(0);
        });
        return;
      }
      it('accounts for every row: the good ones loaded exactly, each bad one with its reason', async () => {
        const got = await load(w, await requestFor(name, c.lines, { ...c.extra, ...mode }));
        expect(got.counts.rowsIn).toBe(got.counts.rowsLoaded + got.counts.rowsQuarantined);
        expect(got.counts.rowsIn).toBe(c.lines.length - 1);
        expect(got.counts).toEqual(c.counts);
        expect(got.rows).toEqual(c.rows);
        expect(new Set(got.reasons.map((r) => r.at)).size).toBe(got.counts.rowsQuarantined);
        expect(got.reasons).toEqual(c.reasons);
      });
    });
  }

  it('runs the ingest activity: a file whose header does not match is quarantined in the manifest, the next loads', async () => {
    const landing = join(dir, `landing-${engine.name}`);
    mkdirSync(join(landing, 'claims'), { recursive: true });
    writeFileSync(join(landing, 'claims', 'claims_20260101T0400.csv'), 'claim_id,paid\nC1,1\n');
    writeFileSync(join(landing, 'claims', 'claims_20260101T0400.b.csv'), 'paid_amount,claim_id\n1.5,C1\n');
    const entity: EntityConfig = {
      name: 'claims',
      pattern: 'claims_{interval}*.csv',
      format: 'csv',
      delimiter: ',',
      header: true,
      quote: '"',
      encoding: 'utf-8',
      columns: { claim_id: 'string', paid_amount: 'decimal(12,2)' },
      required: ['claim_id'],
      keepRawText: false,
    };
    const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [entity] });
    const env = new MockActivityEnvironment();
    const input = (file: string): LoadFileInput => ({
      entity: 'claims',
      file: `claims/${file}`,
      interval: { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' },
      runId: 'r1',
    });
    const bad = await env.run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(
      acts.loadLandingFile,
      input('claims_20260101T0400.csv'),
    );
    expect(bad).toMatchObject({
      rowsLoaded: 0,
      quarantinedFile:
        'claims/claims_20260101T0400.csv: header does not match the entity\'s columns: missing paid_amount; unknown "paid" (extraColumns: reject)',
    });
    const good = await env.run(acts.loadLandingFile, input('claims_20260101T0400.b.csv'));
    expect(good).toMatchObject({ rowsIn: 1, rowsLoaded: 1, rowsQuarantined: 0 });
    expect(
      await w.query(`SELECT claim_id, CAST(paid_amount AS VARCHAR) AS paid_amount FROM raw.claims ORDER BY 1`),
    ).toEqual([{ claim_id: 'C1', paid_amount: '1.50' }]);
    expect(
      await w.query(
        `SELECT file, status, reason FROM audit.ingest_manifest WHERE entity = 'claims' AND status = 'quarantined'`,
      ),
    ).toEqual([{ file: 'claims/claims_20260101T0400.csv', status: 'quarantined', reason: bad.quarantinedFile }]);
  });
}

describeEngines('bad-row corpus on %s', corpusSuite);
