import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { EntityConfig } from '../../lib/config/schema';
import { fileChecksum } from './landing-files';

/** The reason to quarantine a file whose gzip stream is broken, or undefined for an error that is not zlib's. */
export function gzipRefusal(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return undefined;
  return `not a readable gzip file (${(err as Error).message}): a .gz name is read gunzipped; land it whole, or without .gz if it is not compressed`;
}

/** What reading a landed file once shows: the checksum of its bytes as stored and, if it cannot load at all, why. */
export interface LandedFileRead {
  checksum: string;
  /** Set when the file is quarantined whole: its reason. */
  refused?: string;
}

/** Bytes that may precede the first value of a JSON file: whitespace, byte-order marks, UTF-16's zero bytes. */
const LEADING = new Set([0x20, 0x09, 0x0a, 0x0d, 0x00, 0xef, 0xbb, 0xbf, 0xfe, 0xff]);

function firstValueByte(chunk: Buffer): number | undefined {
  for (const b of chunk) if (!LEADING.has(b)) return b;
  return undefined;
}

/**
 * Why a `json` file is not one array of objects, judged by its first value's first byte. An object or
 * nothing at all would load as 0 rows on one engine and be refused on another; both quarantine it here.
 */
function jsonShapeRefusal(first: number | undefined): string | undefined {
  if (first === 0x5b) return undefined; // [
  if (first === undefined) return 'empty, not a JSON array of objects (format json)';
  if (first === 0x7b)
    return 'a JSON object, not an array of objects (format json): wrap the record in [ ] or use format ndjson';
  return `not a JSON array of objects (format json): it starts with ${JSON.stringify(String.fromCharCode(first))}`;
}

/**
 * Reads a JSON or NDJSON file once for its checksum; a `.gz` file is gunzipped on the way, so a broken
 * stream is found before a loader sees it, and a `json` file's shape is checked. (CSV files are read by
 * the line scan, which does the same for them.)
 */
export async function readLandedFile(path: string, format: EntityConfig['format']): Promise<LandedFileRead> {
  const gz = path.endsWith('.gz');
  if (!gz && format !== 'json') return { checksum: await fileChecksum(path) };
  const hash = createHash('sha256');
  const raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  raw.on('data', (chunk: Buffer) => hash.update(chunk));
  const input: Readable = gz ? raw.pipe(createGunzip()) : raw;
  if (gz) raw.on('error', (err) => input.destroy(err));
  let first: number | undefined;
  try {
    // Read to the end even once the first byte is known: a gzip stream is only whole if it ends well.
    for await (const chunk of input as AsyncIterable<Buffer>) first ??= firstValueByte(chunk);
  } catch (err) {
    const refused = gzipRefusal(err);
    if (refused === undefined) throw err;
    return { checksum: await fileChecksum(path), refused };
  }
  const refused = format === 'json' ? jsonShapeRefusal(first) : undefined;
  return { checksum: hash.digest('hex'), ...(refused ? { refused } : {}) };
}
