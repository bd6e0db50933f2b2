import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIngestActivities, type FileLoadResult, type LoadFileInput } from '../../activities/ingest';
import type { Warehouse } from '../../activities/warehouse';
import { describeEngines, type TestEngine } from '../helpers/engines';
import { testEntity } from '../helpers/entities';
import { tmpDir } from '../helpers/tmp';

/**
 * Issue 18 item 1: a dirty CSV file (CRLF line endings, a bad row in every few, quoted multi-line fields,
 * blank lines) loaded through the ingest activity. Every loaded row keeps its place among the file's data
 * rows, and every quarantined one names the physical line (a line the reader or the scan refused) or the
 * data row (a value that fails a check) it came from, however many rejected lines come before it.
 */
const dir = tmpDir();
const ROWS = 600;
const interval = { start: '2026-01-01T04:00:00.000Z', end: '2026-01-01T08:00:00.000Z' };
const entity = testEntity({
  name: 'claims',
  pattern: 'claims_{interval}.csv',
  columns: { claim_id: 'string', paid_amount: 'decimal(12,2)', note: 'string' },
  required: ['claim_id'],
});

/** The file's physical lines and what must become of each data line: its place as a row and as a line. */
function dirtyFile() {
  const lines = ['claim_id,paid_amount,note'];
  const loaded: Array<{ claim_id: string; row: number }> = [];
  const atLine: number[] = [];
  const atRow: Array<{ row: number; column: string }> = [];
  let row = 0;
  const data = (text: string): { line: number; row: number } => {
    lines.push(text);
    return { line: lines.length, row: ++row };
  };
  for (let i = 1; i <= ROWS; i++) {
    if (i % 50 === 0) lines.push('');
    if (i % 70 === 0) lines.push('  ');
    switch (i % 10) {
      case 0:
        atLine.push(data(`C${i},1.00,n,extra`).line); // a field too many: the reader refuses the line
        break;
      case 3:
        atRow.push({ row: data(`,1.00,n`).row, column: 'claim_id' }); // the required key missing
        break;
      case 5:
        atRow.push({ row: data(`C${i},abc,n`).row, column: 'paid_amount' }); // not a number
        break;
      case 7:
        // A quoted field over two lines: each line's quotes are unbalanced, so both are quarantined on their own.
        atLine.push(data(`C${i},1.00,"two`).line, data(`lines"`).line);
        break;
      default:
        loaded.push({ claim_id: `C${i}`, row: data(`C${i},${i}.25,"a, ""b"""`).row });
    }
  }
  return { text: `${lines.join('\r\n')}\r\n`, loaded, atLine, atRow, dataRows: row };
}

/**
 * The reader's rejects on the first and last data lines, check failures on the first and last data rows,
 * quoted multi-line rows and a blank line between; required keys blank in every way `trim` sees (spaces, a
 * no-break space, an ideographic space, nothing) and keys that are not blank though they start with a tab
 * or a non-ASCII letter; no line ending after the last line. The places are counted here from the lines.
 */
function edgeFile() {
  const body: Array<['load' | 'line' | 'check', string]> = [
    ['line', 'C1,1.00,n,extra'],
    ['check', '\u00a0,1.00,n'],
    ['load', 'C3,3.00,n'],
    ['check', '   ,1.00,n'],
    ['line', 'C5,1.00,"open'],
    ['line', 'still open"'],
    ['load', 'C7,7.10,"a ""q"""'],
    ['check', '\u3000,1.00,n'],
    ['load', '\tC9,9.00,n'],
    ['line', 'C10,1.00,n,x,y'],
    ['load', 'Ä11,11.00,n'],
    ['check', 'C12,1.001,n'],
    ['line', 'C13,1.00,"x'],
    ['load', 'C14,14.00,n'],
    ['check', ',1.00,n'],
  ];
  const lines = ['claim_id,paid_amount,note'];
  const loaded: Array<{ claim_id: string; row: number }> = [];
  const atLine: number[] = [];
  const atRow: Array<{ row: number; column: string }> = [];
  body.forEach(([kind, text], i) => {
    if (i === 8) lines.push('');
    lines.push(text);
    const row = i + 1;
    if (kind === 'load') loaded.push({ claim_id: text.split(',')[0], row });
    else if (kind === 'line') atLine.push(lines.length);
    else atRow.push({ row, column: text.startsWith('C12') ? 'paid_amount' : 'claim_id' });
  });
  return { text: lines.join('\r\n'), loaded, atLine, atRow, dataRows: body.length };
}

type Expected = ReturnType<typeof dirtyFile>;

/** Loads `file` as the interval's claims file through the ingest activity and compares every row's place. */
async function loadAndCompare(w: Warehouse, landing: string, file: Expected): Promise<void> {
  mkdirSync(join(landing, 'claims'), { recursive: true });
  writeFileSync(join(landing, 'claims', 'claims_20260101T0400.csv'), file.text);
  const acts = createIngestActivities({ warehouse: w, landingDir: landing, entities: [entity] });
  const result = await new MockActivityEnvironment().run<[LoadFileInput], FileLoadResult, typeof acts.loadLandingFile>(
    acts.loadLandingFile,
    { entity: 'claims', file: 'claims/claims_20260101T0400.csv', interval, runId: 'r1' },
  );
  expect(result).toMatchObject({
    rowsIn: file.dataRows,
    rowsLoaded: file.loaded.length,
    rowsQuarantined: file.atLine.length + file.atRow.length,
  });

  const rows = await w.query<{ claim_id: string; row: string }>(
    `SELECT claim_id, CAST(_edp_row_number AS VARCHAR) AS row FROM raw.claims ORDER BY _edp_row_number`,
  );
  expect(rows.map((r) => ({ claim_id: r.claim_id, row: Number(r.row) }))).toEqual(file.loaded);

  const errors = await w.query<{ source_row: string | null; source_line: string | null; column_name: string | null }>(
    `SELECT CAST(source_row AS VARCHAR) AS source_row, CAST(source_line AS VARCHAR) AS source_line, column_name
     FROM raw.claims__errors`,
  );
  const lines = errors.filter((e) => e.source_line !== null).map((e) => Number(e.source_line));
  expect([...new Set(lines)].sort((a, b) => a - b)).toEqual(file.atLine);
  const checks = errors
    .filter((e) => e.source_row !== null)
    .map((e) => ({ row: Number(e.source_row), column: e.column_name }))
    .sort((a, b) => a.row - b.row);
  expect(checks).toEqual(file.atRow);
}

function suite(engine: TestEngine): void {
  it('keeps every row at its place among the data rows and names the source line of each rejected one', async () => {
    const w = await engine.open('dirty-line-numbers');
    try {
      const file = dirtyFile();
      await loadAndCompare(w, join(dir, `landing-${engine.name}`), file);
      const notes = await w.query<{ note: string }>(`SELECT DISTINCT note FROM raw.claims`);
      expect(notes).toEqual([{ note: 'a, "b"' }]);
    } finally {
      await w.close();
    }
  });

  it('keeps the places with rejects and failed checks on the first and last lines and keys blank or not to trim', async () => {
    const w = await engine.open('dirty-line-edges');
    try {
      await loadAndCompare(w, join(dir, `landing-edges-${engine.name}`), edgeFile());
    } finally {
      await w.close();
    }
  });

  it('quarantines every row of a file whose every row fails a check', async () => {
    const w = await engine.open('dirty-line-all-failing');
    try {
      const file = {
        text: 'claim_id,paid_amount,note\n,1.00,n\n \n  ,2.00,n\nC3,1.001,n\n',
        loaded: [],
        atLine: [],
        atRow: [
          { row: 1, column: 'claim_id' },
          { row: 2, column: 'claim_id' },
          { row: 3, column: 'paid_amount' },
        ],
        dataRows: 3,
      };
      await loadAndCompare(w, join(dir, `landing-all-failing-${engine.name}`), file);
    } finally {
      await w.close();
    }
  });
}

describeEngines('line numbers of a dirty file on %s', suite);
