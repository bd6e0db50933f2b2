import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { splitCsvLine } from './csv-fields';

/** Where each of a CSV file's fields goes: the column it loads into, or null for a field left unloaded. */
export type CsvFieldColumns = ReadonlyArray<string | null>;

/** The first line of a text file (gunzipped for `.gz`), without its line ending and byte order mark. */
export async function readFirstLine(path: string, encoding: BufferEncoding): Promise<string> {
  const raw: Readable = createReadStream(path, { highWaterMark: 64 * 1024 });
  const input: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of input.setEncoding(encoding) as AsyncIterable<string>) {
      text += chunk;
      if (text.includes('\n')) break;
    }
  } finally {
    raw.destroy();
    input.destroy();
  }
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '').replace(/^\uFEFF/, '');
}

/**
 * Maps a header's fields onto the declared columns by name (trimmed, case-insensitive): each field's
 * column, or null for an unknown field when `extraColumns` is `ignore`. Returns the reason instead
 * when the header cannot be split, leaves a column out, names one twice or names an unknown one
 * that `extraColumns` rejects.
 */
export function columnsByHeader(
  header: string,
  delimiter: string,
  quote: string,
  columns: readonly string[],
  extraColumns: 'reject' | 'ignore',
): CsvFieldColumns | string {
  const fields = splitCsvLine(header, delimiter, quote);
  if (typeof fields === 'string') return `header line cannot be split: ${fields}`;
  const byKey = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const seen = new Set<string>();
  const twice: string[] = [];
  const unknown: string[] = [];
  const mapped = fields.map((f) => {
    const name = (f ?? '').trim();
    const column = byKey.get(name.toLowerCase());
    if (column === undefined) {
      unknown.push(JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name));
      return null;
    }
    if (seen.has(column)) twice.push(column);
    seen.add(column);
    return column;
  });
  const missing = columns.filter((c) => !seen.has(c));
  const problems = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    twice.length > 0 ? `named twice ${twice.join(', ')}` : '',
    unknown.length > 0 && extraColumns === 'reject'
      ? `unknown ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''} (extraColumns: reject)`
      : '',
  ].filter((p) => p !== '');
  return problems.length > 0 ? `header does not match the entity's columns: ${problems.join('; ')}` : mapped;
}

/** True when the fields are exactly the columns in their declared order (nothing to reorder or drop). */
export function isIdentity(fields: CsvFieldColumns, columns: readonly string[]): boolean {
  return fields.length === columns.length && fields.every((f, i) => f === columns[i]);
}
