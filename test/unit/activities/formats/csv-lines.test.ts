import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { copyWithoutLines, scanCsvLines } from '../../../../activities/formats/csv-lines';
import { tmpDir } from '../../../helpers/tmp';

/** About 3.5 MB, so lines straddle the reader's 1 MB chunks; some blank, some with an odd number of quotes. */
function bigCsv(): string {
  const lines = ['id,name,note'];
  for (let i = 1; i <= 120_000; i++) {
    if (i % 9_973 === 0) lines.push('');
    else if (i % 7_919 === 0) lines.push(`${i},"open quote,${'x'.repeat(i % 50)}`);
    else lines.push(`${i},"name ${i}",${'n'.repeat(i % 13)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('CSV line scan and copy', () => {
  const dir = tmpDir();
  const text = bigCsv();
  const lines = text.split('\n').slice(0, -1);
  const expectedUnbalanced = lines
    .map((l, i) => ({ line: i + 1, text: l }))
    .filter((l) => l.line > 1 && (l.text.match(/"/g) ?? []).length % 2 === 1);
  const expectedBlank = lines.map((l, i) => (l === '' && i > 0 ? i + 1 : 0)).filter((n) => n > 0);

  it.each([
    ['plain', 'big.csv', Buffer.from(text)],
    ['gzipped', 'big.csv.gz', gzipSync(text)],
  ])(
    'scans a %s file across chunk boundaries: checksum, data lines, blank and unbalanced lines',
    async (_, name, bytes) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const scan = await scanCsvLines(path, true, '"', 'utf8');
      expect(scan.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(scan.blank).toEqual(expectedBlank);
      expect(scan.unbalanced).toEqual(expectedUnbalanced);
      expect(scan.dataLines).toBe(lines.length - 1 - expectedBlank.length);
    },
  );

  it('lists the lines of a UTF-8 file that are not UTF-8, not those whose characters straddle a chunk', async () => {
    const path = join(dir, 'latin1.csv');
    // Two-byte characters everywhere, so some fall across the reader's 1 MB chunk boundaries; two lines hold a
    // latin-1 byte (0xE9, an é in latin-1) that UTF-8 does not allow.
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i + 1},"né ${'é'.repeat(i % 17)}",x`);
    const bytes = Buffer.concat(
      ['id,name,note', ...rows].map((l, i) =>
        Buffer.concat([
          i === 777 || i === 59_000 ? Buffer.from(`${i},d\xe9nied,x`, 'latin1') : Buffer.from(l),
          Buffer.from('\n'),
        ]),
      ),
    );
    writeFileSync(path, bytes);
    const scan = await scanCsvLines(path, true, '"', 'utf8');
    expect(scan.undecodable).toEqual([
      { line: 778, text: '777,d\uFFFDnied,x', reason: 'bytes that are not UTF-8 at line 778' },
      { line: 59_001, text: '59000,d\uFFFDnied,x', reason: 'bytes that are not UTF-8 at line 59001' },
    ]);
    expect(scan.dataLines).toBe(60_000);
    expect((await scanCsvLines(path, true, '"', 'latin1')).undecodable).toEqual([]); // every byte is latin-1
  });

  it('copies a file with chosen lines emptied, every other byte and line number unchanged', async () => {
    const path = join(dir, 'big.csv');
    writeFileSync(path, text);
    const drop = new Set([1, 2, ...expectedUnbalanced.map((u) => u.line), lines.length]);
    await copyWithoutLines(path, drop, join(dir, 'copy.csv'));
    const expected = `${lines.map((l, i) => (drop.has(i + 1) ? '' : l)).join('\n')}\n`;
    expect(readFileSync(join(dir, 'copy.csv'), 'utf8')).toBe(expected);
  });

  it("keeps a dropped line's CR LF, also across chunks, so the copy has one kind of line ending", async () => {
    const dir = tmpDir();
    const lines = bigCsv().trimEnd().split('\n');
    const text = `${lines.join('\r\n')}\r\n`;
    const path = join(dir, 'crlf.csv');
    writeFileSync(path, text);
    const drop = new Set([2, 3, 7_919]);
    await copyWithoutLines(path, drop, join(dir, 'copy.csv'));
    const expected = `${lines.map((l, i) => (drop.has(i + 1) ? '' : l)).join('\r\n')}\r\n`;
    expect(readFileSync(join(dir, 'copy.csv'), 'utf8')).toBe(expected);

    // A dropped line whose CR is the last byte of the reader's first 1 MB chunk.
    const edge = join(dir, 'edge.csv');
    writeFileSync(edge, `${'x'.repeat((1 << 20) - 1)}\r\nkept\r\n`);
    await copyWithoutLines(edge, new Set([1]), join(dir, 'edge-copy.csv'));
    expect(readFileSync(join(dir, 'edge-copy.csv'), 'utf8')).toBe('\r\nkept\r\n');
  });
});
