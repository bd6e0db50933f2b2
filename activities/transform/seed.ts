import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSchema, type Warehouse } from '../warehouse';
import { CompileError } from './jinja';
import { quoterFor, renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import { scratchRef, type BuildOutcome } from './materialize';
import { fileChecksum } from './project-files';

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string, delimiter = ',', file = 'seed'): string[][] {
  return readCsv(text, delimiter, file).records;
}

/** {@link parseCsv}'s records, and how many blank lines it skipped. */
export function readCsv(text: string, delimiter = ',', file = 'seed'): { records: string[][]; blankLines: number } {
  const rows: string[][] = [];
  let blankLines = 0;
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let openedAt = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      openedAt = line;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      else blankLines++;
      row = [];
      field = '';
      line++;
    } else field += ch;
  }
  if (quoted) throw new CompileError(`${file}:${openedAt}: a quoted field is never closed`);
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return { records: rows, blankLines };
}

type SeedType = 'integer' | 'double' | 'date' | 'timestamp' | 'boolean' | 'varchar';

/** The engine type a seed column is created with. */
const COLUMN_TYPE: Record<SeedType, string> = {
  integer: 'integer',
  double: 'double',
  date: 'date',
  timestamp: 'timestamp',
  boolean: 'boolean',
  varchar: 'varchar',
};

const isNull = (v: string) => v.trim() === '' || v.trim().toLowerCase() === 'null';

/** A number as agate reads it (spaces, `%`, currency symbols and thousands separators dropped), or undefined. */
function agateNumber(v: string): string | undefined {
  const t = v
    .trim()
    .replace(/^%|%$/g, '')
    .replace(/[$€£¥]/g, '')
    .replace(/,/g, '');
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? t : undefined;
}

const DATE = /^\d{4}-\d{1,2}-\d{1,2}$/; // strptime %Y-%m-%d
const DATETIME = /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}$/; // strptime %Y-%m-%d %H:%M:%S
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * The type dbt infers for a seed column, as agate's type tester does: the first of number, date,
 * datetime, ISO datetime, boolean that reads every value, else text; a number column is integer when
 * every value is whole (`1.0`, `1e3` too), else double.
 */
export function inferSeedType(values: readonly string[]): SeedType {
  const present = values.filter((v) => !isNull(v)).map((v) => v.trim());
  if (present.length === 0) return 'integer';
  const numbers = present.map(agateNumber);
  if (numbers.every((n) => n !== undefined)) {
    return numbers.every((n) => Number.isInteger(Number(n))) ? 'integer' : 'double';
  }
  if (present.every((v) => DATE.test(v))) return 'date';
  if (present.every((v) => DATETIME.test(v)) || present.every((v) => ISO_DATETIME.test(v))) return 'timestamp';
  if (present.every((v) => /^(true|false)$/i.test(v))) return 'boolean';
  return 'varchar';
}

/** agate's number markers (currency symbols, thousands separators, `%`), removed before a cast. */
const NUMBER_MARKS = [',', '%', '$', '€', '£', '¥'];

/** SQL typing text column `c` as a column inferred as `kind` (or overridden to the engine type `type`). */
function castText(c: string, kind: SeedType | 'override', type: string): string {
  const trimmed = `trim(${c})`;
  const number = NUMBER_MARKS.reduce((e, m) => `replace(${e}, '${m}', '')`, trimmed);
  const typed =
    kind === 'integer'
      ? `cast(cast(${number} as double) as integer)` // `1e3`, `1.0`
      : kind === 'double'
        ? `cast(${number} as double)`
        : kind === 'varchar'
          ? c
          : `cast(${trimmed} as ${type})`;
  return `case when ${trimmed} = '' or lower(${trimmed}) = 'null' then null else ${typed} end`;
}

/**
 * The records as a CSV file every engine's reader reads alike (`,`, `\n`, no blank line): Snowflake's
 * COPY reads a blank line as a row of NULLs (the local server lacks SKIP_BLANK_LINES) and a bare CR as
 * no line end at all. Written only for a seed that has either.
 */
function plainCsvFile(header: readonly string[], rows: readonly string[][]): { dir: string; file: string } {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const dir = mkdtempSync(join(tmpdir(), 'edp-seed-'));
  const file = join(dir, 'seed.csv');
  writeFileSync(file, [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n');
  return { dir, file };
}

/**
 * Loads a seed CSV into its table, inferring column types as dbt does unless `column_types` names them.
 * The engine's CSV reader copies the file as text into a scratch table; one `create or replace … as
 * select` then types it into the seed's table, so a reader sees the old rows or the new, never none.
 */
export async function buildSeed(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: { invocationId: string },
): Promise<BuildOutcome> {
  const file = join(manifest.projectDir, node.path);
  const text = readFileSync(file, 'utf8');
  // The plan checksummed the file: a seed edited since would load data the run never planned.
  if (fileChecksum(text) !== node.checksum) {
    throw new CompileError(`${node.path}: the seed changed after the run was planned; start the run again`);
  }
  const delimiter = node.config.delimiter ?? ',';
  const { records, blankLines } = readCsv(text, delimiter, node.path);
  if (records.length === 0) throw new CompileError(`${node.path}: the seed has no header row`);
  const [header, ...rows] = records;
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new CompileError(`${node.path}:${i + 2}: ${r.length} fields, the header has ${header.length}`);
    }
  });
  const overrides = node.config.column_types ?? {};
  const rel = node.relation!;
  const target = renderRelation(rel, manifest.target.type);
  await ensureSchema(w, rel.schema);
  const q = quoterFor(manifest.target.type);
  const textColumns = header.map((_, c) => `c${c}`);
  const scratch = scratchRef(node, o.invocationId, 'seed');
  const plain = blankLines > 0 || /\r(?!\n)/.test(text) ? plainCsvFile(header, rows) : undefined;
  let copied: number;
  try {
    copied = await w.copyCsvText(plain?.file ?? file, scratch, textColumns, plain ? ',' : delimiter);
  } finally {
    if (plain) rmSync(plain.dir, { recursive: true, force: true });
  }
  if (copied !== rows.length) {
    throw new CompileError(`${node.path}: the CSV reader found ${copied} rows, the seed has ${rows.length}`);
  }
  const select = header.map((h, c) => {
    const kind = overrides[h] ? ('override' as const) : inferSeedType(rows.map((r) => r[c]));
    const type = overrides[h] ?? COLUMN_TYPE[kind as SeedType];
    return `${castText(q(textColumns[c]), kind, type)} as ${q(h)}`;
  });
  const sql = `create or replace table ${target} as select ${select.join(', ')} from ${w.dialect.table(scratch)}`;
  try {
    await w.execute(sql);
  } finally {
    await w.execute(`drop table if exists ${w.dialect.table(scratch)}`);
  }
  return { sql, rows: rows.length };
}
