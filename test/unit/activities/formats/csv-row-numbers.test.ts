import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { scanCsvLines } from '../../../../activities/formats/csv-lines';
import {
  copyNumberedRows,
  copyWithRowNumbers,
  type RowNumberedCopy,
} from '../../../../activities/formats/csv-row-numbers';
import { tmpDir } from '../../../helpers/tmp';

const dir = tmpDir();
let n = 0;

/** Copies `content` (written as is) and returns the copy's text and the data rows counted. */
async function copied(content: Buffer | string, o: Partial<RowNumberedCopy> = {}, name = 'in.csv') {
  n++;
  const file = join(dir, `${n}-${name}`);
  writeFileSync(file, content);
  const out = join(dir, `${n}-out.csv`);
  const encoding = o.encoding ?? 'utf8';
  const rows = await copyWithRowNumbers(file, out, { header: true, delimiter: ',', encoding, taken: new Set(), ...o });
  return { rows, text: readFileSync(out).toString(encoding) };
}

describe('copyWithRowNumbers', () => {
  it('numbers data rows, leaves blank and taken lines empty, keeps every line ending', async () => {
    const input = ['id,name', 'a,1', '', '   ', 'b,"two', 'c,3', '\t\r', 'd,4'].join('\r\n') + '\r\n';
    const { rows, text } = await copied(input, { taken: new Set([5]) });
    expect(rows).toBe(4);
    expect(text).toBe(['0,id,name', '1,a,1', '', '', '', '3,c,3', '', '4,d,4'].join('\r\n') + '\r\n');
  });

  it('keeps the byte order mark first, numbers a last line without a line ending, uses the delimiter', async () => {
    const { rows, text } = await copied('\uFEFFx;y\ne;5\nf;6', { header: false, delimiter: ';' });
    expect(rows).toBe(3);
    expect(text).toBe('\uFEFF1;x;y\n2;e;5\n3;f;6');
  });

  it('reads gzip and UTF-16, and lines across the 1 MB chunks', async () => {
    const lines = [
      'id,v',
      ...Array.from({ length: 90_000 }, (_, i) => (i % 1000 === 999 ? '' : `${i},${'é'.repeat(i % 30)}`)),
    ];
    const input = `${lines.join('\n')}\n`;
    const expected = (() => {
      let row = 0;
      return `${lines.map((l, i) => (i === 0 ? `0,${l}` : l === '' ? '' : `${++row},${l}`)).join('\n')}\n`;
    })();
    const gz = await copied(gzipSync(Buffer.from(input)), {}, 'in.csv.gz');
    expect(gz.text).toBe(expected);
    expect(gz.rows).toBe(90_000 - 90);
    const utf16 = await copied(Buffer.from(`\uFEFF${input.replace(/\n/g, '\r\n')}`, 'utf16le'), {
      encoding: 'utf16le',
    });
    expect(utf16.text).toBe(`\uFEFF${expected.replace(/\n/g, '\r\n')}`);
  });
});

describe('scanCsvLines with a copy', () => {
  it('writes in its one read the copy copyWithRowNumbers writes from the lines it quarantines', async () => {
    // CRLF, a byte order mark, blank and spaced lines, an unbalanced quote, a NUL byte, a latin-1 byte, a
    // quoted field running over two lines (both quarantined), lines across the 1 MB chunks, gzip.
    const lines = [
      '\uFEFFid,name',
      'a,1',
      '',
      ' \t',
      'b,"two',
      'c,3',
      'd,"x\0"',
      'e,"multi',
      'line",5',
      ...Array.from({ length: 40_000 }, (_, i) => (i % 997 === 0 ? '' : `r${i},${'v'.repeat(i % 50)}`)),
      'z,9',
    ];
    const text = Buffer.concat([Buffer.from(lines.join('\r\n')), Buffer.from([0x0d, 0x0a, 0x79, 0x2c, 0xe9])]);
    for (const [name, content] of [
      ['plain.csv', text],
      ['zipped.csv.gz', gzipSync(text)],
    ] as const) {
      n++;
      const file = join(dir, `${n}-${name}`);
      writeFileSync(file, content);
      const scan = await scanCsvLines(file, true, '"', 'utf8', ',', join(dir, `${n}-one-read.csv`));
      const taken = new Set([...scan.unbalanced, ...scan.nul, ...scan.undecodable].map((l) => l.line));
      expect([...taken].sort((a, b) => a - b)).toEqual([5, 7, 8, 9, lines.length + 1]);
      const rows = await copyWithRowNumbers(file, join(dir, `${n}-two-reads.csv`), {
        header: true,
        delimiter: ',',
        encoding: 'utf8',
        taken,
      });
      expect(scan.numbered).toEqual({ file: join(dir, `${n}-one-read.csv`), rows });
      expect(rows).toBe(scan.dataLines);
      expect(readFileSync(join(dir, `${n}-one-read.csv`)).equals(readFileSync(join(dir, `${n}-two-reads.csv`)))).toBe(
        true,
      );
    }
  });

  it('copies the lines of given rows back out of a copy, after its header', async () => {
    const { text } = await copied('id,v\r\na,1\r\n\r\nb,"x\r\nc,3\r\nd,4', { taken: new Set([4]) });
    const copy = join(dir, `${n}-out.csv`);
    const out = join(dir, `${n}-picked.csv`);
    expect(text).toBe('0,id,v\r\n1,a,1\r\n\r\n\r\n3,c,3\r\n4,d,4');
    expect(await copyNumberedRows(copy, out, new Set([2, 3, 4]), { header: true, encoding: 'utf8' })).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('0,id,v\r\n3,c,3\r\n4,d,4');
  });
});
