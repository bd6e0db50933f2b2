import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { csvRecord, splitCsvLine } from '../../formats/csv-fields';
import { isIdentity, type CsvFieldColumns } from '../../formats/csv-header';
import { NODE_ENCODING } from '../../formats/encodings';
import { arrayElements, jsonText, numberLiterals } from '../../formats/json-text';
import { csvFieldColumns } from '../load-tables';
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

function input(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/**
 * Calls `line` for every line of a text file (LF or CR LF ends a line, as the line scan counts them),
 * a chunk at a time, awaiting `chunkDone` after each chunk so output can be flushed.
 */
async function eachLine(
  path: string,
  encoding: BufferEncoding,
  line: (text: string) => void,
  chunkDone: () => Promise<void>,
): Promise<void> {
  let rest = '';
  for await (const chunk of input(path).setEncoding(encoding) as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      line(nl > start && text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    await chunkDone();
  }
  if (rest.length > 0) line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  await chunkDone();
}

/**
 * Rewrites a landing file as the file Snowflake's COPY loads: UTF-8 CSV (comma, double quotes), one
 * record per row as `load key, row number, field…` with every field as text. Parsing happens here, once, so the
 * same file gives the same rows and rejects on every engine and COPY never meets a line it would
 * abort on: lines that do not split into the declared columns, and JSON that is not an object, come
 * back as rejects. CSV rows are numbered among the file's data lines (header and blank lines do not
 * count, lines the caller took out do); their fields are mapped onto the columns by the header's
 * names, as the DuckDB loader maps them, and a header that does not match throws {@link UnparsableFile}.
 */
export async function stageFile(req: BulkLoadRequest, out: string, key: string): Promise<StagedFile> {
  const fields = await csvFieldColumns(req);
  const sink = createWriteStream(out);
  const result: StagedFile = { rows: 0, rejects: [] };
  let pending: string[] = [];
  const prefix = `${csvRecord([key])},`;
  const push: Push = (row, fields) => {
    result.rows++;
    pending.push(`${prefix}${row},${typeof fields === 'string' ? fields : csvRecord(fields)}\n`);
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    if (!sink.write(text)) await once(sink, 'drain');
  };
  const names = Object.keys(req.columns);
  try {
    if (req.format === 'csv') await stageCsv(req, fields, push, flush, result.rejects);
    else if (req.format === 'ndjson') await stageNdjson(req, names, push, flush, result.rejects);
    else await stageJson(req, names, push, result.rejects);
    await flush();
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  return result;
}

/** Adds a row: its fields, or (fast path) the fields already as one canonical CSV record. */
type Push = (row: number, fields: ReadonlyArray<string | null> | string) => void;

async function stageCsv(
  req: BulkLoadRequest,
  fields: CsvFieldColumns,
  push: Push,
  flush: () => Promise<void>,
  rejects: StagedReject[],
): Promise<void> {
  const removed = new Set((req.rejectedLines ?? []).map((r) => r.line));
  const { delimiter, quote } = req;
  const width = fields.length;
  // The file's field positions of the declared columns, in declared order; none when already in that order.
  const names = Object.keys(req.columns);
  const positions = isIdentity(fields, names) ? undefined : names.map((name) => fields.indexOf(name));
  const project = (values: ReadonlyArray<string | null>): ReadonlyArray<string | null> =>
    positions ? positions.map((p) => values[p]) : values;
  let n = 0;
  let blanks = 0;
  const line = (raw: string): void => {
    n++;
    if (req.header && n === 1) return;
    if (removed.has(n)) return; // quarantined by the caller; still a data line for numbering
    if (/^[ \t\r]*$/.test(raw)) {
      blanks++;
      return;
    }
    const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!text.includes('"') && (quote === '' || !text.includes(quote))) {
      // Most lines hold no quote at all: count the fields and quote them in two string operations
      // (an empty field comes out as "" and then as nothing, i.e. NULL); allocation is what costs here.
      let count = 1;
      for (let i = text.indexOf(delimiter); i !== -1; i = text.indexOf(delimiter, i + delimiter.length)) count++;
      if (count !== width) rejects.push({ line: n, text: raw, reason: `expected ${width} fields, found ${count}` });
      else if (positions) push(n - (req.header ? 1 : 0) - blanks, project(text.split(delimiter).map((v) => v || null)));
      else push(n - (req.header ? 1 : 0) - blanks, `"${text.replaceAll(delimiter, '","')}"`.replaceAll('""', ''));
      return;
    }
    const values = splitCsvLine(text, delimiter, quote);
    if (typeof values === 'string') rejects.push({ line: n, text: raw, reason: values });
    else if (values.length !== width)
      rejects.push({ line: n, text: raw, reason: `expected ${width} fields, found ${values.length}` });
    else push(n - (req.header ? 1 : 0) - blanks, project(values));
  };
  await eachLine(req.file, NODE_ENCODING[req.encoding], line, flush);
}

/**
 * The named members of one JSON document's text as text, or undefined when it is not an object.
 * Integers beyond 2^53 keep their digits (JSON.parse alone would round them).
 */
function objectFields(source: string, names: readonly string[]): Array<string | null> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const values = doc as Record<string, unknown>;
  let literals: Map<string, string> | undefined;
  return names.map((name) => {
    const v = values[name];
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      literals ??= numberLiterals(source);
      return literals.get(name) ?? jsonText(v);
    }
    return jsonText(v);
  });
}

const BOM = /^\uFEFF/;

async function stageNdjson(
  req: BulkLoadRequest,
  names: readonly string[],
  push: Push,
  flush: () => Promise<void>,
  rejects: StagedReject[],
): Promise<void> {
  let row = 0;
  let first = true;
  const line = (raw: string): void => {
    const text = first ? raw.replace(BOM, '') : raw;
    first = false;
    if (/^ *$/.test(text)) return; // blank as DuckDB's trim() sees it: spaces only
    row++;
    const fields = objectFields(text, names);
    if (fields) push(row, fields);
    else rejects.push({ line: row, text, reason: 'not a JSON object' });
  };
  await eachLine(req.file, NODE_ENCODING[req.encoding], line, flush);
}

async function stageJson(
  req: BulkLoadRequest,
  names: readonly string[],
  push: Push,
  rejects: StagedReject[],
): Promise<void> {
  const bytes = await readFile(req.file);
  const text = (req.file.endsWith('.gz') ? gunzipSync(bytes) : bytes)
    .toString(NODE_ENCODING[req.encoding])
    .replace(BOM, '');
  let docs: unknown;
  try {
    docs = JSON.parse(text);
  } catch (err) {
    throw new UnparsableFile(`${req.sourceName}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(docs)) throw new UnparsableFile(`${req.sourceName}: not a JSON array of objects`);
  let row = 0;
  for (const element of arrayElements(text)) {
    row++;
    const fields = objectFields(element, names);
    if (fields) push(row, fields);
    else rejects.push({ line: row, text: element, reason: 'array element is not an object' });
  }
}
