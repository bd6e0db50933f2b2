import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dialect } from '../dialect';
import type { BulkLoadRequest, BulkLoadResult } from '../warehouse';
import type { CsvFieldColumns } from '../../formats/csv-header';
import {
  auditColumns,
  insertRejectedLines,
  numericChecks,
  numericSpec,
  passesAll,
  targetColumnList,
  type LoadCheck,
} from '../load-tables';
import type { LoadNames } from './duckdb-load-tables';

/** DuckDB's message for a value that does not cast; the value is between the quotes. */
const CAST_VALUE = `'Could not convert string "(.*)" to '''`;

async function numbers(conn: DuckDBConnection, sql: string): Promise<number[]> {
  return (await conn.runAndReadAll(sql)).getRows().map((r) => Number(r[0]));
}

/**
 * Data-row ordinals of the given physical lines: the header and blank lines do not count. Lines are
 * 1-based as the reader reports them.
 */
export function dataOrdinals(lines: readonly number[], header: boolean, blankLines: readonly number[]): number[] {
  const blanks = [...blankLines].sort((a, b) => a - b);
  let b = 0;
  return [...lines]
    .sort((x, y) => x - y)
    .map((line) => {
      while (b < blanks.length && blanks[b] < line) b++;
      return line - (header ? 1 : 0) - b;
    });
}

/**
 * For removed rows at sorted ordinals o₁ < o₂ < …, the keys kⱼ = oⱼ − j: a surviving row numbered a
 * among survivors sits at ordinal a + #{j : kⱼ < a}.
 */
export function survivorShiftKeys(removedOrdinals: readonly number[]): number[] {
  return removedOrdinals.map((o, j) => o - (j + 1));
}

/** `survivor` (a row's number among surviving rows) turned into its ordinal among all data rows. */
export function dataRowNumber(survivor: string, keys: readonly number[]): string {
  if (keys.length === 0) return survivor;
  return `(${survivor} + (SELECT count(*) FROM (VALUES ${keys.map((k) => `(${k})`).join(', ')}) AS s(k) WHERE s.k < ${survivor}))`;
}

/** Shift keys for the lines the reader rejected plus those the caller took out before reading. */
export async function removedLineKeys(
  conn: DuckDBConnection,
  rejects: string,
  req: BulkLoadRequest,
  includeCallerLines: boolean,
): Promise<{ readerLines: number; keys: number[] }> {
  const lines = await numbers(conn, `SELECT DISTINCT line FROM ${rejects}`);
  const all = includeCallerLines ? [...lines, ...(req.rejectedLines ?? []).map((p) => p.line)] : lines;
  return { readerLines: lines.length, keys: survivorShiftKeys(dataOrdinals(all, req.header, req.blankLines ?? [])) };
}

/**
 * The reader's `columns` option for a file's fields in file order: each field's column with the type
 * `typeOf` gives, a field left unloaded as text under a name of its own.
 */
export function csvColumnSpec(d: Dialect, fields: CsvFieldColumns, typeOf: (column: string) => string): string {
  return `{${fields.map((c, i) => (c === null ? `'edp_unloaded_${i}': 'VARCHAR'` : `${d.literal(c)}: '${typeOf(c)}'`)).join(', ')}}`;
}

/**
 * CSV in one typed pass: DuckDB's reader casts each column itself and puts lines it cannot split or
 * cast in its rejects table, and rows with their required values go straight into the target,
 * numbered by a window over the scan. Rows of this load are found again by `loadKey` to renumber
 * them around removed lines. Numbers (decimals and integers) are read as text and checked before
 * their cast, which would round. Rows missing a required value or holding a number that does not fit take a second
 * read, only when the caller's row count says there are some. No original-text copy is kept: a row is replayed from
 * its landing file by line.
 */
export async function nativeCsvLoad(
  conn: DuckDBConnection,
  d: Dialect,
  req: BulkLoadRequest,
  fields: CsvFieldColumns,
  { stage, rejects, scans }: LoadNames,
): Promise<BulkLoadResult> {
  const q = (name: string): string => d.quoteIdent(name);
  const cols = Object.entries(req.columns);
  const target = d.table(req.target);
  const errors = d.table(req.errors);
  const audit = auditColumns(d, req);
  const sourceFile = d.literal(req.sourceName);
  const key = req.loadKey!;
  const thisLoad = `${q(key)} = ${d.literal(req.audit[key].value)}`;
  // A number is read as text and checked before it is cast: the reader's own cast would round.
  const checked = (name: string): boolean => numericSpec(req.columns[name]) !== undefined;
  const columnSpec = csvColumnSpec(d, fields, (name) => (checked(name) ? 'VARCHAR' : d.columnType(req.columns[name])));
  const value = (name: string): string => (checked(name) ? d.tryCast(q(name), req.columns[name]) : q(name));

  const read = (rejectsOptions: string): string =>
    `SELECT *, row_number() OVER () AS edp_rn
     FROM read_csv(${d.literal(req.file)}, header = ${req.header}, delim = ${d.literal(req.delimiter)},
       quote = ${d.literal(req.quote)}, escape = ${d.literal(req.quote)}, encoding = ${d.literal(req.encoding)},
       columns = ${columnSpec}, auto_detect = false, ignore_errors = true${rejectsOptions})`;
  const missing = (name: string): string =>
    req.columns[name] === 'string' || checked(name) ? `NULLIF(trim(${q(name)}), '') IS NULL` : `${q(name)} IS NULL`;
  const checks: LoadCheck[] = [
    ...req.required.map((name) => ({
      column: name,
      rule: 'required' as const,
      message: 'missing mandatory value',
      failed: missing(name),
    })),
    ...cols.flatMap(([name, type]) => numericChecks(d, name, type, d.tryCast(q(name), type))),
  ];

  // Rows are numbered before the checks filter, so a row failing one keeps its place.
  const inserted = await conn.run(
    `INSERT INTO ${target} (${targetColumnList(d, req)})
     SELECT ${cols.map(([name]) => value(name)).join(', ')}, ${audit}edp_rn, NULL, now()
     FROM (${read(`, store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${scans}'`)})
     WHERE ${passesAll(checks)}`,
  );
  const loaded = inserted.rowsChanged;

  // Renumber survivors so each row keeps its ordinal among the file's data rows.
  const pre = req.rejectedLines ?? [];
  const { readerLines, keys } = await removedLineKeys(conn, rejects, req, true);
  if (keys.length > 0) {
    await conn.run(
      `UPDATE ${target} SET _edp_row_number = ${dataRowNumber(`${target}._edp_row_number`, keys)}
       WHERE ${thisLoad} AND _edp_row_number > ${keys[0]}`,
    );
  }

  // Rows failing a check: looked for with a second read only when the counts say there are some.
  let failedChecks = 0;
  const complete = req.dataRows !== undefined && loaded + readerLines + pre.length === req.dataRows;
  if (checks.length > 0 && !complete) {
    await conn.run(`CREATE TEMP TABLE ${stage} AS SELECT * FROM (${read('')}) WHERE NOT ${passesAll(checks)}`);
    await conn.run(
      `INSERT INTO ${errors}
       ${checks
         .map(
           (c) =>
             `SELECT ${sourceFile}, ${dataRowNumber('edp_rn', keys)}, NULL, ${d.literal(c.column)}, ${d.literal(c.rule)},
                CAST(${q(c.column)} AS VARCHAR), ${d.literal(c.message)}, ${audit}now() FROM ${stage} WHERE ${c.failed}`,
         )
         .join(' UNION ALL ')}`,
    );
    failedChecks = (await numbers(conn, `SELECT count(*) FROM ${stage}`))[0];
  }

  await conn.run(
    `INSERT INTO ${errors}
     SELECT ${sourceFile}, NULL, line, column_name,
       CASE WHEN error_type = 'CAST' THEN 'type' ELSE 'parse' END,
       CASE WHEN error_type = 'CAST' THEN coalesce(NULLIF(regexp_extract(error_message, ${CAST_VALUE}, 1), ''), csv_line)
            ELSE csv_line END,
       error_message, ${audit}now()
     FROM ${rejects}`,
  );
  await insertRejectedLines(
    (sql, params) => conn.run(sql, params),
    errors,
    pre,
    `(${sourceFile}, NULL, ?, NULL, 'parse', ?, ?, ${auditColumns(d, req, false)}now())`,
  );
  const rejectedLines = readerLines + pre.length;
  return {
    rowsIn: loaded + failedChecks + rejectedLines,
    rowsLoaded: loaded,
    rowsQuarantined: failedChecks + rejectedLines,
  };
}
