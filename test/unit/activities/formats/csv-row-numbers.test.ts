import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { copyWithRowNumbers, type RowNumberedCopy } from '../../../../activities/formats/csv-row-numbers';
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
