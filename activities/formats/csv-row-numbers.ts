import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;
/** Digits of the largest row number (2^53). */
const MAX_DIGITS = 16;

/** How {@link copyWithRowNumbers} reads a file and which lines it leaves empty. */
export interface RowNumberedCopy {
  /** Whether the first line is a header (copied behind a number 0, never counted). */
  header: boolean;
  /** The field delimiter written after each number. */
  delimiter: string;
  /** The file's encoding: one byte per ASCII character, or two (`utf16le`). */
  encoding: BufferEncoding;
  /** Physical lines (from 1) to leave empty while still counting them as data rows: rows quarantined before the read. */
  taken: ReadonlySet<number>;
}

/** The ASCII character at `i` of text of `w` bytes a character, or -1 (in UTF-16 the high byte must be zero). */
const asciiAt = (b: Buffer, i: number, w: number): number => (w === 1 || b[i + 1] === 0 ? b[i] : -1);

/** The first line feed at or after `from` in text of `w` bytes a character, or -1. */
function newlineAt(b: Buffer, from: number, w: number): number {
  for (let nl = b.indexOf(NEWLINE, from); nl !== -1; nl = b.indexOf(NEWLINE, nl + 1)) {
    if (w === 1 || (nl % 2 === 0 && nl + 1 < b.length && b[nl + 1] === 0)) return nl;
  }
  return -1;
}

/** The byte order mark an encoding may start a file with. */
const BOMS: Partial<Record<BufferEncoding, Buffer>> = {
  utf8: Buffer.from([0xef, 0xbb, 0xbf]),
  utf16le: Buffer.from([0xff, 0xfe]),
};

/** A numbered copy being written from the chunks of a file read elsewhere (see {@link copyWithRowNumbers}). */
export interface RowNumberer {
  /** Copies the complete lines of the next chunk of the file (uncompressed), keeping a partial last line for later. */
  push(chunk: Buffer): Promise<void>;
  /** Copies the last line, closes the copy and returns the number of data rows. */
  end(): Promise<number>;
  /** Closes the copy after a failed read. */
  abort(): Promise<void>;
}

/**
 * Writes an uncompressed copy of a CSV file in which every data line starts with its data-row number
 * and the delimiter, so a reader hands each row its number however many lines around it it rejects.
 * Data rows are numbered from 1 and include the `taken` lines, which are left empty; blank lines
 * (only spaces, tabs, CR) are left empty and not counted. Every line keeps its place and its line
 * ending. Returns the number of data rows.
 */
export async function copyWithRowNumbers(path: string, out: string, o: RowNumberedCopy): Promise<number> {
  const copy = rowNumberer(out, o);
  const raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  try {
    for await (const piece of input as AsyncIterable<Buffer>) await copy.push(piece);
  } catch (err) {
    await copy.abort();
    throw err;
  }
  return copy.end();
}

/**
 * The copy of {@link copyWithRowNumbers}, fed chunk by chunk: `o.taken` is read when a line is copied, so
 * a scan of the same chunks may add a line to it up to the moment the chunk holding its end is pushed.
 */
export function rowNumberer(out: string, o: RowNumberedCopy): RowNumberer {
  const w = o.encoding === 'utf16le' ? 2 : 1;
  const delimiter = Buffer.from(o.delimiter, o.encoding);
  // A one-byte delimiter is written as a byte: a native copy call per line costs more than the byte.
  const delimiterByte = delimiter.length === 1 ? delimiter[0] : -1;
  const bom = BOMS[o.encoding];
  const sink = createWriteStream(out);
  let line = 0;
  let row = 0;
  let first = true;
  let carry: Buffer | undefined;
  const ascii = (b: Buffer, i: number): number => asciiAt(b, i, w);
  const newlineFrom = (b: Buffer, from: number): number => newlineAt(b, from, w);
  // One input buffer starts at a line start; its complete lines go out in buffers of about its size.
  const copyLines = (chunk: Buffer, last: boolean): Buffer[] => {
    const done: Buffer[] = [];
    const perLine = (MAX_DIGITS + 1) * w + delimiter.length;
    const size = chunk.length + (chunk.length >> 2) + 4096;
    let buf = Buffer.allocUnsafe(size);
    let at = 0;
    let start = 0;
    if (first && bom && chunk.subarray(0, bom.length).equals(bom)) {
      at = chunk.copy(buf, 0, 0, bom.length);
      start = bom.length;
    }
    first = false;
    for (;;) {
      const nl = newlineFrom(chunk, start);
      if (nl === -1 && !last) break;
      const end = nl === -1 ? chunk.length : nl + w;
      if (end <= start) break;
      if (at + (end - start) + perLine > buf.length) {
        done.push(buf.subarray(0, at));
        buf = Buffer.allocUnsafe(Math.max(size, end - start + perLine));
        at = 0;
      }
      line++;
      const header = o.header && line === 1;
      let i = start;
      for (let c = ascii(chunk, i); i < end && (c === SPACE || c === TAB || c === CR); c = ascii(chunk, i)) i += w;
      const taken = !header && o.taken.has(line);
      const blank = !taken && (i >= end || i === nl);
      if (!header && !blank) row++;
      if (taken || (!header && blank)) {
        // Left empty, line ending kept: a reader sees mixed line endings as a broken file.
        if (nl !== -1) {
          if (nl - w >= start && ascii(chunk, nl - w) === CR) at += chunk.copy(buf, at, nl - w, nl);
          at += chunk.copy(buf, at, nl, nl + w);
        }
      } else {
        let n = header ? 0 : row;
        let width = 1;
        for (let t = n; t >= 10; t = Math.floor(t / 10)) width++;
        for (let k = at + (width - 1) * w; k >= at; k -= w) {
          buf[k] = ZERO + (n % 10);
          if (w === 2) buf[k + 1] = 0;
          n = Math.floor(n / 10);
        }
        at += width * w;
        if (delimiterByte !== -1) buf[at++] = delimiterByte;
        else at += delimiter.copy(buf, at);
        at += chunk.copy(buf, at, start, end);
      }
      start = end;
    }
    carry = start < chunk.length ? chunk.subarray(start) : undefined;
    done.push(buf.subarray(0, at));
    return done;
  };
  const write = async (buffers: Buffer[]): Promise<void> => {
    for (const bytes of buffers) if (bytes.length > 0 && !sink.write(bytes)) await once(sink, 'drain');
  };
  const close = async (): Promise<void> => {
    sink.end();
    await once(sink, 'close');
  };
  return {
    push: (piece) => write(copyLines(carry ? Buffer.concat([carry, piece]) : piece, false)),
    end: async () => {
      try {
        if (carry) await write(copyLines(carry, true));
      } finally {
        await close();
      }
      return row;
    },
    abort: close,
  };
}

/**
 * Writes the lines of a copy made by {@link copyWithRowNumbers} whose row number is in `rows`, after the
 * copy's first line when it is the header (else its byte order mark, if any), each with its line ending:
 * a small file the reader reads exactly as it read those rows in the copy. Returns the lines written.
 */
export async function copyNumberedRows(
  copy: string,
  out: string,
  rows: ReadonlySet<number>,
  o: Pick<RowNumberedCopy, 'header' | 'encoding'>,
): Promise<number> {
  const w = o.encoding === 'utf16le' ? 2 : 1;
  const bom = BOMS[o.encoding];
  const sink = createWriteStream(out);
  const picked: Buffer[] = [];
  let first = true;
  let found = 0;
  let carry: Buffer | undefined;
  const pick = (chunk: Buffer, last: boolean): void => {
    let start = 0;
    for (;;) {
      const nl = newlineAt(chunk, start, w);
      if (nl === -1 && !last) break;
      const end = nl === -1 ? chunk.length : nl + w;
      if (end <= start) break;
      let i = start;
      if (first) {
        first = false;
        const hasBom = bom !== undefined && chunk.subarray(0, bom.length).equals(bom);
        if (o.header) {
          picked.push(chunk.subarray(start, end));
          start = end;
          continue;
        }
        if (hasBom) {
          picked.push(bom);
          i = bom.length;
        }
      }
      let n = 0;
      let digits = 0;
      for (let c = asciiAt(chunk, i, w); c >= ZERO && c <= ZERO + 9; c = asciiAt(chunk, i, w)) {
        n = n * 10 + (c - ZERO);
        digits++;
        i += w;
      }
      if (digits > 0 && rows.has(n)) {
        picked.push(chunk.subarray(i - digits * w, end));
        found++;
      }
      start = end;
    }
    carry = start < chunk.length ? chunk.subarray(start) : undefined;
  };
  try {
    const input = createReadStream(copy, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    for await (const piece of input) {
      pick(carry ? Buffer.concat([carry, piece]) : piece, false);
      for (const bytes of picked.splice(0)) if (!sink.write(bytes)) await once(sink, 'drain');
    }
    if (carry) pick(carry, true);
    for (const bytes of picked.splice(0)) if (!sink.write(bytes)) await once(sink, 'drain');
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  return found;
}
