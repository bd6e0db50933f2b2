import type { DuckDBBitValue, DuckDBConnection } from '@duckdb/node-api';
import { unsetNumbers } from './duckdb-bit-numbers';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../dialect';
import type { BulkLoadRequest, BulkLoadResult } from '../warehouse';
import type { CsvFieldColumns } from '../../formats/csv-header';
import { auditColumns, numericChecks, numericSpec, passesAll, targetColumnList, type LoadCheck } from '../load-tables';
import type { LoadNames } from './duckdb-load-tables';
import { runOverLines } from './duckdb-rejected-lines';

/** DuckDB's message for a value that does not cast; the value is between the quotes. */
const CAST_VALUE = `'Could not convert string "(.*)" to '''`;

/** The row number the numbered copy put first in a rejected line (`csv_line` of the rejects table), or NULL. */
const lineRowNumber = (d: Dialect): string =>
  `CAST(NULLIF(regexp_extract(csv_line, ${d.literal(String.raw`^[\r\n]*([0-9]+)`)}, 1), '') AS BIGINT)`;

/**
 * The required check of a column read as text: it fails when the value is NULL or only what `trim` removes
 * (spaces, Unicode space separators). It passes first on a value starting with a printable ASCII character
 * other than a space, which is never blank: that comparison decides nearly every row and only the others are
 * trimmed (a `trim` of every row cost about a sixth of the typed insert's CPU on 1 M rows).
 */
export function requiredText(column: string, value: string): LoadCheck {
  const blank = `(${value} IS NULL OR trim(${value}) = '')`;
  return {
    column,
    rule: 'required',
    message: 'missing mandatory value',
    failed: blank,
    passes: `(${value} >= '!' AND ${value} < chr(128) OR NOT ${blank})`,
  };
}

/** The widest range DuckDB's bitstring_agg takes. */
const BITSTRING_MAX = 1_000_000_000;

/** The first column of every row `sql` returns, as numbers. */
async function numbers(conn: DuckDBConnection, sql: string): Promise<number[]> {
  return (await conn.runAndReadAll(sql)).getRows().map((r) => Number(r[0]));
}

/** The one row `sql` returns, as numbers. */
async function oneRow(conn: DuckDBConnection, sql: string): Promise<number[]> {
  return (await conn.runAndReadAll(sql)).getRows()[0].map((v) => Number(v));
}

/**
 * The reader's `columns` option for a file's fields in file order: each field's column with the type
 * `typeOf` gives, a field left unloaded as text under a name of its own; `leading` columns come first.
 */
export function csvColumnSpec(
  d: Dialect,
  fields: CsvFieldColumns,
  typeOf: (column: string) => string,
  leading: Readonly<Record<string, string>> = {},
): string {
  const first = Object.entries(leading).map(([name, type]) => `${d.literal(name)}: '${type}'`);
  const rest = fields.map((c, i) =>
    c === null ? `'edp_unloaded_${i}': 'VARCHAR'` : `${d.literal(c)}: '${typeOf(c)}'`,
  );
  return `{${[...first, ...rest].join(', ')}}`;
}

/** The condition that a target row is one this load wrote, by its load key. */
function thisLoad(d: Dialect, req: BulkLoadRequest): string {
  const key = req.loadKey;
  const audit = key === undefined ? undefined : req.audit[key];
  if (key === undefined || audit === undefined)
    throw new Error(`the typed CSV load of ${req.sourceName} needs a load key`);
  return `${d.quoteIdent(key)} = CAST(${d.literal(audit.value)} AS ${d.columnType(audit.type)})`;
}

/** The number column the loader's copy of a file puts first on every data line. */
export const ROW = 'edp_rn';

/** Reader error types whose message counts a line's fields: the copy's number column is one more. */
const FIELD_COUNTS = ['TOO MANY COLUMNS', 'MISSING COLUMNS'];

/** A reader reject's line text and message as they read in the landing file, without the copy's row number. */
export function rejectAsInFile(d: Dialect, delimiter: string): { text: string; message: string } {
  const escaped = delimiter.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  const count = (label: string): string =>
    `CAST(regexp_extract(error_message, ${d.literal(`${label}: ([0-9]+)`)}, 1) AS BIGINT) - 1`;
  return {
    // The reader's line text may start with the line endings before it.
    text: `regexp_replace(csv_line, ${d.literal(String.raw`^([\r\n]*)[0-9]+` + escaped)}, '\\1')`,
    message: `CASE WHEN error_type IN (${FIELD_COUNTS.map((t) => d.literal(t)).join(', ')})
      THEN format('expected {} fields, found {}', ${count('Columns')}, ${count('Found')})
      ELSE error_message END`,
  };
}

/** The loader's numbered copy of a CSV file (`copyWithRowNumbers`) and what it holds. */
export interface NumberedCsv {
  /** The copy: each data line starts with its row number; lines taken out before the read are empty. */
  file: string;
  /** Data rows numbered in it, the lines taken out included. */
  rows: number;
  /** Writes the copy's lines of the given row numbers, after its header, to a new file (`copyNumberedRows`). */
  linesOf(rows: ReadonlySet<number>, out: string): Promise<number>;
}

/**
 * CSV in one typed pass over the loader's numbered copy of the file (`copyWithRowNumbers`: each
 * data row's number in a first column): DuckDB's reader casts each column itself and puts lines it
 * cannot split or cast in its rejects table, and rows passing every check go straight into the
 * target with their number, however many lines around them were rejected or taken out before the
 * read. Numbers (decimals and integers) are read as text and checked before their cast, which would
 * round. A row failing a check (a required value missing, a number that does not fit) never enters
 * the target: a DELETE of rows the transaction wrote would make DuckDB write the whole load again at
 * commit. Such rows are the numbers neither loaded nor rejected; only their lines are read again, from
 * a small file of them, to report each failed check. No original-text copy is kept for rows that
 * load: a row is replayed from its landing file by row number.
 */
export async function nativeCsvLoad(
  conn: DuckDBConnection,
  d: Dialect,
  req: BulkLoadRequest,
  copy: NumberedCsv,
  fields: CsvFieldColumns,
  { stage, rejects, scans }: LoadNames,
): Promise<BulkLoadResult> {
  const q = (name: string): string => d.quoteIdent(name);
  const cols = Object.entries(req.columns);
  const target = d.table(req.target);
  const errors = d.table(req.errors);
  const audit = auditColumns(d, req);
  const sourceFile = d.literal(req.sourceName);
  // A number is read as text and checked before it is cast: the reader's own cast would round.
  const checked = (name: string): boolean => numericSpec(req.columns[name]) !== undefined;
  const columnSpec = csvColumnSpec(d, fields, (name) => (checked(name) ? 'VARCHAR' : d.columnType(req.columns[name])), {
    [ROW]: 'BIGINT',
  });
  const value = (name: string): string => (checked(name) ? d.tryCast(q(name), req.columns[name]) : q(name));

  const read = (file: string, rejectsOptions: string): string =>
    `read_csv(${d.literal(file)}, header = ${req.header}, delim = ${d.literal(req.delimiter)},
       quote = ${d.literal(req.quote)}, escape = ${d.literal(req.quote)}, encoding = ${d.literal(req.encoding)},
       columns = ${columnSpec}, auto_detect = false, ignore_errors = true${rejectsOptions})`;
  const checks: LoadCheck[] = [
    ...req.required.map((name) =>
      req.columns[name] === 'string' || checked(name)
        ? requiredText(name, q(name))
        : { column: name, rule: 'required' as const, message: 'missing mandatory value', failed: `${q(name)} IS NULL` },
    ),
    ...cols.flatMap(([name, type]) => numericChecks(d, name, type, d.tryCast(q(name), type))),
  ];

  const inserted = await conn.run(
    `INSERT INTO ${target} (${targetColumnList(d, req)})
     SELECT ${cols.map(([name]) => value(name)).join(', ')}, ${audit}${ROW}, NULL, now()
     FROM ${read(copy.file, `, store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${scans}'`)}
     WHERE ${passesAll(checks)}`,
  );
  const loaded = inserted.rowsChanged;
  const pre = req.rejectedLines ?? [];
  const readerLines = (await numbers(conn, `SELECT count(DISTINCT line) FROM ${rejects}`))[0];
  const failedChecks = copy.rows - loaded - readerLines - pre.length;
  if (failedChecks < 0)
    throw new Error(
      `${req.sourceName}: ${copy.rows} data rows but ${loaded} loaded and ${readerLines + pre.length} rejected`,
    );
  if (failedChecks > 0) {
    // The rows failing a check: numbers neither loaded nor rejected by the reader (lines taken out before the
    // read have no number in the copy, so they are never found there).
    // One bit per number, set for each loaded or rejected row: a pass over the load's numbers (an anti join of
    // every number against them cost five times as much).
    const numbered = `SELECT _edp_row_number AS n FROM ${target} WHERE ${thisLoad(d, req)}
      UNION ALL SELECT ${lineRowNumber(d)} FROM ${rejects}`;
    // bitstring_agg refuses a range beyond a billion: a bigger file takes the anti join.
    const missed =
      copy.rows <= BITSTRING_MAX
        ? unsetNumbers(
            (
              await conn.runAndReadAll(`SELECT bitstring_agg(n, 1, ${copy.rows}) FROM (${numbered})`)
            ).getRows()[0][0] as DuckDBBitValue | null,
            copy.rows,
          )
        : await numbers(conn, `SELECT range FROM range(1, ${copy.rows + 1}) ANTI JOIN (${numbered}) ON range = n`);
    const lines = join(tmpdir(), `edp-failed-${process.pid}-${stage}.csv`);
    try {
      const found = await copy.linesOf(new Set(missed), lines);
      const used = [...new Set(checks.map((c) => c.column))];
      await conn.run(
        `CREATE TEMP TABLE ${stage} AS SELECT ${ROW}, ${used.map(q).join(', ')}, ${passesAll(checks)} AS edp_passes FROM ${read(lines, '')}`,
      );
      const [staged, passing] = await oneRow(conn, `SELECT count(*), count(*) FILTER (WHERE edp_passes) FROM ${stage}`);
      // Never a silent loss: every row neither loaded nor rejected must be found again and fail a check.
      if (found !== failedChecks || staged !== failedChecks || passing !== 0)
        throw new Error(
          `${req.sourceName}: ${failedChecks} rows failed a check, but ${found} were found again, ${staged} read and ${passing} passed`,
        );
    } finally {
      rmSync(lines, { force: true });
    }
    await conn.run(
      `INSERT INTO ${errors}
       ${checks
         .map(
           (c) =>
             `SELECT ${sourceFile}, ${ROW}, NULL, ${d.literal(c.column)}, ${d.literal(c.rule)},
                CAST(${q(c.column)} AS VARCHAR), ${d.literal(c.message)}, ${audit}now() FROM ${stage} WHERE ${c.failed}`,
         )
         .join(' UNION ALL ')}`,
    );
  }

  const asInFile = rejectAsInFile(d, req.delimiter);
  // A value the reader could not cast is a type error of its row, as the text path and the Snowflake loader
  // report it: the row's number (the copy's first field), the column's message; the rest are lines.
  const cast = `error_type = 'CAST'`;
  const castMessage = `CASE column_name ${cols
    .map(([name, type]) => `WHEN ${d.literal(name)} THEN ${d.literal(`not a valid ${type}`)}`)
    .join(' ')} ELSE ${asInFile.message} END`;
  await conn.run(
    `INSERT INTO ${errors}
     SELECT ${sourceFile},
       CASE WHEN ${cast} THEN ${lineRowNumber(d)} END,
       CASE WHEN ${cast} THEN NULL ELSE line END,
       column_name,
       CASE WHEN ${cast} THEN 'type' ELSE 'parse' END,
       CASE WHEN ${cast} THEN coalesce(NULLIF(regexp_extract(error_message, ${CAST_VALUE}, 1), ''), ${asInFile.text})
            ELSE ${asInFile.text} END,
       CASE WHEN ${cast} THEN ${castMessage} ELSE ${asInFile.message} END, ${audit}now()
     FROM ${rejects}`,
  );
  await runOverLines(
    conn,
    pre,
    (lines) =>
      `INSERT INTO ${errors} SELECT ${sourceFile}, NULL, line, NULL, 'parse', text, reason, ${auditColumns(d, req, false)}now() FROM ${lines}`,
  );
  const quarantined = failedChecks + readerLines + pre.length;
  return { rowsIn: loaded + quarantined, rowsLoaded: loaded, rowsQuarantined: quarantined };
}
