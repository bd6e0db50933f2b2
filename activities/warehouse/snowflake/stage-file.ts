import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { csvRecord, jsonText, splitCsvLine } from '../csv-fields';
import { UnparsableFile, type BulkLoadRequest } from '../warehouse';

/** A line the stager could not turn into a row; quarantined as a `parse` error. */
export interface StagedReject {
  /** Physical line (CSV) or row number (JSON), as the DuckDB loader reports it. */
  line: number;
  text: string;
  reason: string;
}

/** What {@link stageFile} wrote. */
export interface StagedFile {
  /** Rows written to the staged file. */
  rows: number;
  rejects: StagedReject[];
}

const NODE_ENCODING: Record<BulkLoadRequest['encoding'], BufferEncoding> = {
  'utf-8': 'utf8',
  'utf-16': 'utf16le',
  'latin-1': 'latin1',
};

function input(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/**
 * Rewrites a landing file as the file Snowflake's COPY loads: UTF-8 CSV (comma, double quotes), one
 * record per row as `load key, row number, field…` with every field as text. Parsing happens here, once, so the
 * same file gives the same rows and rejects on every engine and COPY never meets a line it would
 * abort on: lines that do not split into the declared columns, and JSON that is not an object, come
 * back as rejects. CSV rows are numbered among the file's data lines (header and blank lines do not
 * count, lines the caller took out do).
 */
export async function stageFile(req: BulkLoadRequest, out: string, key: string): Promise<StagedFile> {
  const sink = createWriteStream(out);
  const result: StagedFile = { rows: 0, rejects: [] };
  const write = async (values: ReadonlyArray<string | number | null>): Promise<void> => {
    result.rows++;
    if (!sink.write(`${csvRecord([key, ...values])}\n`)) await once(sink, 'drain');
  };
  const names = Object.keys(req.columns);
  try {
    if (req.format === 'csv') await stageCsv(req, names.length, write, result.rejects);
    else if (req.format === 'ndjson') await stageNdjson(req, names, write, result.rejects);
    else await stageJson(req, names, write, result.rejects);
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  return result;
}

type Write = (values: ReadonlyArray<string | number | null>) => Promise<void>;

async function stageCsv(req: BulkLoadRequest, width: number, write: Write, rejects: StagedReject[]): Promise<void> {
  const removed = new Set((req.rejectedLines ?? []).map((r) => r.line));
  const lines = createInterface({
    input: input(req.file).setEncoding(NODE_ENCODING[req.encoding]),
    crlfDelay: Infinity,
  });
  let n = 0;
  let blanks = 0;
  for await (const line of lines) {
    n++;
    if (req.header && n === 1) continue;
    if (removed.has(n)) continue; // quarantined by the caller; still a data line for numbering
    if (/^[ \t\r]*$/.test(line)) {
      blanks++;
      continue;
    }
    const fields = splitCsvLine(n === 1 ? line.replace(/^\uFEFF/, '') : line, req.delimiter, req.quote);
    if (typeof fields === 'string') rejects.push({ line: n, text: line, reason: fields });
    else if (fields.length !== width)
      rejects.push({ line: n, text: line, reason: `expected ${width} fields, found ${fields.length}` });
    else await write([n - (req.header ? 1 : 0) - blanks, ...fields]);
  }
}

function objectFields(doc: unknown, names: readonly string[]): Array<string | null> | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  return names.map((name) => jsonText((doc as Record<string, unknown>)[name]));
}

async function stageNdjson(
  req: BulkLoadRequest,
  names: readonly string[],
  write: Write,
  rejects: StagedReject[],
): Promise<void> {
  const lines = createInterface({
    input: input(req.file).setEncoding(NODE_ENCODING[req.encoding]),
    crlfDelay: Infinity,
  });
  let row = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    row++;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      doc = undefined;
    }
    const fields = objectFields(doc, names);
    if (fields) await write([row, ...fields]);
    else rejects.push({ line: row, text: line, reason: 'not a JSON object' });
  }
}

async function stageJson(
  req: BulkLoadRequest,
  names: readonly string[],
  write: Write,
  rejects: StagedReject[],
): Promise<void> {
  const bytes = await readFile(req.file);
  const text = (req.file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString(NODE_ENCODING[req.encoding]);
  let docs: unknown;
  try {
    docs = JSON.parse(text);
  } catch (err) {
    throw new UnparsableFile(`${req.sourceName}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(docs)) throw new UnparsableFile(`${req.sourceName}: not a JSON array of objects`);
  let row = 0;
  for (const doc of docs) {
    row++;
    const fields = objectFields(doc, names);
    if (fields) await write([row, ...fields]);
    else rejects.push({ line: row, text: JSON.stringify(doc), reason: 'array element is not an object' });
  }
}
