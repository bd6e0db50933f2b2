import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { splitCsvLine } from './csv-fields';
import { rowNumberer } from './csv-row-numbers';

/** A CSV file's physical lines, as the accounting needs them. */
export interface CsvLineScan {
  /** Non-blank lines after the header: the rows a load must account for. */
  dataLines: number;
  /**
   * Lines with an odd number of quote characters. A CSV reader would take such a line's open quote
   * to run on into the following lines and swallow them; they are quarantined on their own instead.
   */
  unbalanced: Array<{ line: number; text: string }>;
  /**
   * Lines holding a NUL byte (a key or value with one would load), each with the reason that names
   * its column and line. A line with unbalanced quotes is listed there instead; a binary file (its
   * first line not text) lists none.
   */
  nul: Array<{ line: number; text: string; reason: string }>;
  /**
   * UTF-8 files only: lines whose bytes are not UTF-8 (a latin-1 byte, a cut sequence), each with its reason.
   * A decoder would turn such bytes into U+FFFD and load a value the file never held; DuckDB's reader
   * rejects the line, so both engines are given it as quarantined. None in a binary file, as for NUL lines.
   */
  undecodable: Array<{ line: number; text: string; reason: string }>;
  /** Physical numbers of the blank lines after the header (the reader skips them). */
  blank: number[];
  /**
   * Those of the blank lines holding spaces or tabs: DuckDB's reader takes such a line for a row of
   * one field, so the load leaves them out (as empty lines) to keep them blank.
   */
  spaced: number[];
  /** SHA-256 of the file's bytes as stored (compressed, for `.gz`): the load's idempotency key. */
  checksum: string;
  /** The numbered copy written in the same read, when one was asked for: its path and its data rows. */
  numbered?: NumberedCopy;
}

/** A copy of a CSV file with every data line numbered (`copyWithRowNumbers`) and the lines the scan quarantined left empty. */
export interface NumberedCopy {
  file: string;
  rows: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Why a line with a NUL byte is quarantined: its first such field, named by the header when there is one. */
function nulReason(
  line: number,
  text: string,
  headerText: string | undefined,
  delimiter: string,
  quote: string,
): string {
  const fields = splitCsvLine(text, delimiter, quote);
  const at = typeof fields === 'string' ? -1 : fields.findIndex((f) => f?.includes('\0'));
  if (at === -1) return `NUL byte at line ${line}`;
  const names = headerText === undefined ? undefined : splitCsvLine(headerText, delimiter, quote);
  const name = typeof names === 'object' && names[at] ? `"${names[at].trim()}"` : String(at + 1);
  return `NUL byte in column ${name} at line ${line}`;
}

/**
 * Reads a CSV file once: its checksum, its data lines, the lines with unbalanced quotes, those
 * holding a NUL byte (looked for in single-byte encodings, where a NUL byte is a NUL character) and,
 * in a UTF-8 file, those whose bytes are not UTF-8. With `copyTo`, the same read also writes the
 * loader's numbered copy there, those lines left empty (`copyWithRowNumbers`), so the file is read once.
 */
export async function scanCsvLines(
  path: string,
  header: boolean,
  quote: string,
  encoding: BufferEncoding,
  delimiter = ',',
  copyTo?: string,
): Promise<CsvLineScan> {
  const hash = createHash('sha256');
  const scan: CsvLineScan = {
    dataLines: 0,
    unbalanced: [],
    nul: [],
    undecodable: [],
    blank: [],
    spaced: [],
    checksum: '',
  };
  const q = Buffer.from(quote, encoding)[0];
  const findsNul = encoding !== 'utf16le';
  const utf8 = encoding === 'utf8' || encoding === 'utf-8';
  let headerText: string | undefined;
  let nul = false;
  // Set for a line any of whose chunks is not UTF-8 as a whole (a cut sequence at a chunk's end makes a
  // chunk so, too): only those lines are checked one by one.
  let suspect = false;
  // State of the line being read; it may span chunks, so its earlier pieces are kept (by reference).
  let n = 0;
  let quotes = 0;
  let blank = true;
  let spaced = false;
  let pieces: Buffer[] = [];
  // The line's last piece is `chunk` from `from` to `to`, cut out only for a line whose text is needed.
  const lineText = (chunk: Buffer, from: number, to: number): string =>
    Buffer.concat([...pieces, chunk.subarray(from, to)])
      .toString(encoding)
      .replace(/\r$/, '');
  let binary = false;
  // Lines the copy leaves empty, known before the copy reaches them: the scan sees each chunk first.
  const taken = new Set<number>();
  const take = (line: number): void => {
    if (!binary) taken.add(line);
  };
  const copy = copyTo === undefined ? undefined : rowNumberer(copyTo, { header, delimiter, encoding, taken });
  const endLine = (chunk: Buffer, from: number, to: number): void => {
    n++;
    if (n === 1) {
      const first = lineText(chunk, from, to);
      binary = first.includes('\uFFFD');
      if (header) {
        headerText = first.replace(/^\uFEFF/, '');
        return;
      }
    }
    if (blank) {
      scan.blank.push(n);
      if (spaced) scan.spaced.push(n);
    } else {
      scan.dataLines++;
      if (quotes % 2 === 1) {
        scan.unbalanced.push({ line: n, text: lineText(chunk, from, to) });
        taken.add(n);
      } else if (nul) {
        const text = lineText(chunk, from, to);
        scan.nul.push({ line: n, text, reason: nulReason(n, text, headerText, delimiter, quote) });
        take(n);
      } else if (
        suspect &&
        !isUtf8(pieces.length === 0 ? chunk.subarray(from, to) : Buffer.concat([...pieces, chunk.subarray(from, to)]))
      ) {
        scan.undecodable.push({
          line: n,
          text: lineText(chunk, from, to),
          reason: `bytes that are not UTF-8 at line ${n}`,
        });
        take(n);
      }
    }
  };
  const raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  raw.on('data', (chunk: Buffer) => hash.update(chunk));
  const input: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  try {
    await scanChunks();
  } catch (err) {
    await copy?.abort();
    if (copyTo !== undefined) rmSync(copyTo, { force: true });
    throw err;
  }
  if (copy && copyTo !== undefined) scan.numbered = { file: copyTo, rows: await copy.end() };
  // A first line that is not text in its encoding marks a binary file: the reader refuses it whole, which
  // taking its NUL lines out would prevent.
  if (binary) {
    scan.nul = [];
    scan.undecodable = [];
  }
  scan.checksum = hash.digest('hex');
  return scan;

  async function scanChunks(): Promise<void> {
    // Whole chunks are searched with indexOf (native code); no per-line buffers, no per-byte JS loop
    // except at the start of a line until its first non-blank byte.
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      const chunkSuspect = utf8 && !isUtf8(chunk);
      suspect ||= chunkSuspect;
      let nextQuote = chunk.indexOf(q);
      let nextNul = findsNul ? chunk.indexOf(0) : -1;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl === -1 ? chunk.length : nl;
        while (nextQuote !== -1 && nextQuote < end) {
          quotes++;
          nextQuote = chunk.indexOf(q, nextQuote + 1);
        }
        if (nextNul !== -1 && nextNul < end) {
          nul = true;
          nextNul = chunk.indexOf(0, end);
        }
        for (let i = start; blank && i < end; i++) {
          const b = chunk[i];
          if (b !== 0x20 && b !== 0x09 && b !== 0x0d) blank = false;
          else if (b !== 0x0d) spaced = true;
        }
        if (nl === -1) {
          if (end > start) pieces.push(chunk.subarray(start));
          break;
        }
        endLine(chunk, start, nl);
        quotes = 0;
        nul = false;
        suspect = chunkSuspect;
        blank = true;
        spaced = false;
        pieces = [];
        start = nl + 1;
      }
      await copy?.push(chunk);
    }
    if (pieces.length > 0) endLine(Buffer.alloc(0), 0, 0);
  }
}

/** Writes a byte-for-byte copy (uncompressed) with the given lines left empty, so line numbers stay the same. */
export async function copyWithoutLines(path: string, drop: ReadonlySet<number>, out: string): Promise<void> {
  const sink = createWriteStream(out);
  const write = async (bytes: Buffer): Promise<void> => {
    if (bytes.length > 0 && !sink.write(bytes)) await once(sink, 'drain');
  };
  const raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  // Copies whole runs of kept lines; a dropped line's bytes are skipped, its line ending (CR LF or LF)
  // kept: a reader sees mixed line endings as a broken file.
  let n = 1;
  let dropping = drop.has(1);
  let endedWithCr = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let copyFrom = dropping ? -1 : 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, nl + 1)) {
      if (dropping) {
        if (nl > 0) copyFrom = chunk[nl - 1] === CR ? nl - 1 : nl;
        else {
          if (endedWithCr) await write(Buffer.from([CR]));
          copyFrom = 0;
        }
      }
      n++;
      dropping = drop.has(n);
      if (dropping && copyFrom !== -1) {
        await write(chunk.subarray(copyFrom, nl + 1));
        copyFrom = -1;
      }
    }
    if (copyFrom !== -1) await write(chunk.subarray(copyFrom));
    endedWithCr = chunk.length > 0 && chunk[chunk.length - 1] === CR;
  }
  sink.end();
  await once(sink, 'close');
}
