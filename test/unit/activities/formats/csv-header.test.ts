import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { columnsByHeader, isIdentity, readFirstLine } from '../../../../activities/formats/csv-header';
import { scanCsvLines } from '../../../../activities/formats/csv-lines';
import { tmpDir } from '../../../helpers/tmp';

const COLUMNS = ['claim_id', 'billed_amount', 'paid_amount'];

describe('CSV header mapping', () => {
  it('maps each field to its column by name, whatever the order, case or spacing', () => {
    const fields = columnsByHeader('claim_id,paid_amount,billed_amount', ',', '"', COLUMNS, 'reject');
    expect(fields).toEqual(['claim_id', 'paid_amount', 'billed_amount']);
    expect(isIdentity(fields as string[], COLUMNS)).toBe(false);
    const same = columnsByHeader('"Claim_ID"; BILLED_AMOUNT ;paid_amount', ';', '"', COLUMNS, 'reject');
    expect(same).toEqual(COLUMNS);
    expect(isIdentity(same as string[], COLUMNS)).toBe(true);
  });

  it('leaves an unknown field unloaded, or rejects it, as extraColumns says', () => {
    const header = 'claim_id,source,billed_amount,paid_amount';
    expect(columnsByHeader(header, ',', '"', COLUMNS, 'ignore')).toEqual([
      'claim_id',
      null,
      'billed_amount',
      'paid_amount',
    ]);
    expect(columnsByHeader(header, ',', '"', COLUMNS, 'reject')).toBe(
      `header does not match the entity's columns: unknown "source" (extraColumns: reject)`,
    );
  });

  it('names missing, doubled and unknown columns together', () => {
    expect(columnsByHeader('claim_id,claim_id,,paid', ',', '"', COLUMNS, 'reject')).toBe(
      `header does not match the entity's columns: missing billed_amount, paid_amount; named twice claim_id; unknown "", "paid" (extraColumns: reject)`,
    );
    expect(columnsByHeader('claim_id,"open', ',', '"', COLUMNS, 'ignore')).toBe(
      'header line cannot be split: unterminated quoted field at character 10',
    );
  });

  it('reads the first line of a plain or gzipped file, without its byte order mark and line ending', async () => {
    const dir = tmpDir();
    const text = `\uFEFFclaim_id,paid_amount\r\n${'C1,1\r\n'.repeat(50_000)}`;
    writeFileSync(join(dir, 'h.csv'), text);
    writeFileSync(join(dir, 'h.csv.gz'), gzipSync(text));
    expect(await readFirstLine(join(dir, 'h.csv'), 'utf8')).toBe('claim_id,paid_amount');
    expect(await readFirstLine(join(dir, 'h.csv.gz'), 'utf8')).toBe('claim_id,paid_amount');
  });
});

describe('CSV line scan: NUL bytes', () => {
  it('lists the lines holding a NUL byte, naming the column by the header, unbalanced lines apart', async () => {
    const path = join(tmpDir(), 'nul.csv');
    const lines = ['id;"the note"', 'A\u00001;x', '2;"a;\u0000b"', '3;ok', '4;"\u0000', '\u0000'];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const scan = await scanCsvLines(path, true, '"', 'utf8', ';');
    expect(scan.nul).toEqual([
      { line: 2, text: lines[1], reason: 'NUL byte in column "id" at line 2' },
      { line: 3, text: lines[2], reason: 'NUL byte in column "the note" at line 3' },
      { line: 6, text: lines[5], reason: 'NUL byte in column "id" at line 6' },
    ]);
    expect(scan.unbalanced.map((u) => u.line)).toEqual([5]);
    expect(scan.dataLines).toBe(5);
    const headerless = await scanCsvLines(path, false, '"', 'utf8', ';');
    expect(headerless.nul.map((u) => u.reason)).toEqual([
      'NUL byte in column 1 at line 2',
      'NUL byte in column 2 at line 3',
      'NUL byte in column 1 at line 6',
    ]);
  });
});
