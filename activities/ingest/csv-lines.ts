import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** A CSV file's physical lines, as the accounting needs them. */
export interface CsvLineScan {
  /** Non-blank lines after the header: the rows a load must account for. */
  dataLines: number;
  /**
   * Lines with an odd number of quote characters. A CSV reader would take such a line's open quote
   * to run on into the following lines and swallow them; they are quarantined on their own instead.
   */
  unbalanced: Array<{ line: number; text: string }>;
  /** SHA-256 of the file's bytes as stored (compressed, for `.gz`): the load's idempotency key. */
  checksum: string;
}

const NEWLINE = 0x0a;

/** The file's lines as raw bytes (without the newline), gunzipping `.gz`; bytes are never re-encoded. */
async function* rawLines(path: string, hash?: Hash): AsyncIterable<Buffer> {
  const raw: Readable = createReadStream(path);
  if (hash) raw.on('data', (chunk: Buffer) => hash.update(chunk));
  const input: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let carry = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE)) {
      yield data.subarray(0, nl);
      data = data.subarray(nl + 1);
    }
    carry = Buffer.from(data);
  }
  if (carry.length > 0) yield carry;
}

/** True for a line of only spaces, tabs and CR (read as bytes: no decoding per line). */
function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

function countByte(line: Buffer, byte: number): number {
  let n = 0;
  for (let i = line.indexOf(byte); i !== -1; i = line.indexOf(byte, i + 1)) n++;
  return n;
}

/** Reads a CSV file once: its checksum, its data lines and the lines with unbalanced quotes. */
export async function scanCsvLines(
  path: string,
  header: boolean,
  quote: string,
  encoding: BufferEncoding,
): Promise<CsvLineScan> {
  const hash = createHash('sha256');
  const scan: CsvLineScan = { dataLines: 0, unbalanced: [], checksum: '' };
  const q = Buffer.from(quote, encoding)[0];
  let n = 0;
  for await (const line of rawLines(path, hash)) {
    n++;
    if ((header && n === 1) || isBlank(line)) continue;
    scan.dataLines++;
    if (countByte(line, q) % 2 === 1) scan.unbalanced.push({ line: n, text: line.toString(encoding) });
  }
  scan.checksum = hash.digest('hex');
  return scan;
}

/** Writes a byte-for-byte copy (uncompressed) with the given lines left empty, so line numbers stay the same. */
export async function copyWithoutLines(path: string, drop: ReadonlySet<number>, out: string): Promise<void> {
  const sink = createWriteStream(out);
  let n = 0;
  for await (const line of rawLines(path)) {
    n++;
    if (!sink.write(drop.has(n) ? '\n' : Buffer.concat([line, Buffer.from('\n')]))) await once(sink, 'drain');
  }
  sink.end();
  await once(sink, 'close');
}
