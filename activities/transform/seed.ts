import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSchema, type Warehouse } from '../warehouse';
import { CompileError } from './jinja';
import { renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import type { BuildOutcome } from './materialize';

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string, delimiter = ',', file = 'seed'): string[][] {
  const rows: string[][] = [];
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
  return rows;
}

type SeedType = 'integer' | 'double' | 'date' | 'timestamp' | 'boolean' | 'varchar';

const isNull = (v: string) => v === '' || v.toLowerCase() === 'null';
const TESTS: Array<[SeedType, (v: string) => boolean]> = [
  ['integer', (v) => /^[-+]?\d+$/.test(v)],
  ['double', (v) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)],
  ['date', (v) => /^\d{4}-\d{2}-\d{2}$/.test(v)],
  ['timestamp', (v) => /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)],
  ['boolean', (v) => /^(true|false)$/i.test(v)],
];

/** The type dbt would infer for a seed column (agate's order: integer, number, date, datetime, boolean, text). */
export function inferSeedType(values: readonly string[]): SeedType {
  const present = values.filter((v) => !isNull(v));
  if (present.length === 0) return 'integer';
  for (const [type, test] of TESTS) if (present.every(test)) return type;
  return 'varchar';
}

function sqlValue(v: string, type: string): string {
  if (isNull(v)) return 'null';
  const text = `'${v.replace(/'/g, "''")}'`;
  return type === 'varchar' ? text : `cast(${text} as ${type})`;
}

/** Loads a seed CSV into its table (replaced), inferring column types unless `column_types` names them. */
export async function buildSeed(w: Warehouse, manifest: Manifest, node: ManifestNode): Promise<BuildOutcome> {
  const file = join(manifest.projectDir, node.path);
  const records = parseCsv(readFileSync(file, 'utf8'), node.config.delimiter ?? ',', node.path);
  if (records.length === 0) throw new CompileError(`${node.path}: the seed has no header row`);
  const [header, ...rows] = records;
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new CompileError(`${node.path}:${i + 2}: ${r.length} fields, the header has ${header.length}`);
    }
  });
  const overrides = node.config.column_types ?? {};
  const types = header.map((h, c) => overrides[h] ?? inferSeedType(rows.map((r) => r[c])));
  const rel = node.relation!;
  const target = renderRelation(rel);
  await ensureSchema(w, rel.schema);
  const columns = header.map((h, c) => `"${h.replace(/"/g, '""')}" ${types[c]}`).join(', ');
  const sql = `create or replace table ${target} (${columns})`;
  await w.transaction(async (s) => {
    await s.execute(sql);
    for (let start = 0; start < rows.length; start += 500) {
      const values = rows
        .slice(start, start + 500)
        .map((r) => `(${r.map((v, c) => sqlValue(v, types[c])).join(', ')})`)
        .join(',\n');
      await s.execute(`insert into ${target} values\n${values}`);
    }
  });
  return { sql, rows: rows.length };
}
