import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dialect } from '../dialect';
import type { BulkLoadRequest, BulkLoadResult } from '../warehouse';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvColumnSpec, nativeCsvLoad, rejectAsInFile, ROW, type NumberedCsv } from './duckdb-csv-loader';
import { copyNumberedRows, copyWithRowNumbers } from '../../formats/csv-row-numbers';
import { NODE_ENCODING } from '../../formats/encodings';
import { auditColumns, csvFieldColumns, ensureLoadTables, targetColumnList, textLoadChecks } from '../load-tables';
import type { CsvFieldColumns } from '../../formats/csv-header';
import type { LoadNames } from './duckdb-load-tables';
import { runOverLines } from './duckdb-rejected-lines';

let loadCounter = 0;

async function counts(conn: DuckDBConnection, sql: string): Promise<number[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRows()[0].map((v) => Number(v));
}

/**
 * SQL yielding every column as text and `edp_unparsable` for one file (a CSV file as the loader's
 * numbered copy), and the column that numbers its rows; lines the reader could not parse land in the
 * rejects table as (line, column_name, csv_line, error_message).
 */
function sourceSql(
  d: Dialect,
  req: BulkLoadRequest,
  columnSpec: string,
  { rejects, scans }: LoadNames,
): { select: string; badLines?: string; rowNumber: string } {
  const file = d.literal(req.file);
  if (req.format === 'csv') {
    // The file is the loader's numbered copy: each row brings its number.
    return {
      rowNumber: ROW,
      select: `SELECT *, FALSE AS edp_unparsable FROM read_csv(${file},
        header = ${req.header}, delim = ${d.literal(req.delimiter)}, quote = ${d.literal(req.quote)}, escape = ${d.literal(req.quote)},
        encoding = ${d.literal(req.encoding)}, columns = ${columnSpec}, auto_detect = false,
        ignore_errors = true, store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${scans}')`,
    };
  }
  const names = Object.keys(req.columns);
  // Guarded: json_extract_string raises on malformed JSON, and SQL evaluates projections before filters.
  const extract = (doc: string, valid: string): string =>
    names
      .map(
        (n) => `CASE WHEN ${valid} THEN json_extract_string(${doc}, ${d.literal(`$.${n}`)}) END AS ${d.quoteIdent(n)}`,
      )
      .join(', ');
  if (req.format === 'ndjson') {
    // Each line read as one text field (U+001F never appears unescaped in JSON), so a broken line is
    // quarantined with its number and text instead of being skipped.
    const lines = `SELECT row_number() OVER () AS edp_row, line, coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, FALSE) AS edp_ok_json
      FROM read_csv(${file}, columns = {'line': 'VARCHAR'}, header = false, delim = '\x1f', quote = '', escape = '',
        auto_detect = false, encoding = ${d.literal(req.encoding)}) WHERE line IS NOT NULL AND trim(line) <> ''`;
    return {
      rowNumber: 'edp_row',
      select: `SELECT edp_row, ${extract('line', 'edp_ok_json')}, NOT edp_ok_json AS edp_unparsable FROM (${lines})`,
      badLines: `SELECT edp_row AS line, NULL AS column_name, line AS csv_line, 'not a JSON object' AS error_message FROM (${lines}) WHERE NOT edp_ok_json`,
    };
  }
  // json: one array of objects; a file that is not one is quarantined whole by the caller.
  const docs = `SELECT row_number() OVER () AS edp_row, doc FROM (SELECT unnest(json_extract(json, '$[*]')) AS doc FROM read_json_objects(${file}, format = 'unstructured'))`;
  return {
    rowNumber: 'edp_row',
    select: `SELECT edp_row, ${extract('doc', "json_type(doc) = 'OBJECT'")}, coalesce(json_type(doc) <> 'OBJECT', TRUE) AS edp_unparsable FROM (${docs})`,
    badLines: `SELECT edp_row AS line, NULL AS column_name, CAST(doc AS VARCHAR) AS csv_line, 'array element is not an object' AS error_message FROM (${docs}) WHERE coalesce(json_type(doc) <> 'OBJECT', TRUE)`,
  };
}

/**
 * Loads one CSV, NDJSON or JSON file with DuckDB's own readers; a row that fails parsing, typing or a
 * required check goes to the error table instead, so rows in = rows loaded + rows quarantined. Runs
 * on the caller's connection, so a surrounding transaction covers it. The target and error schemas
 * must exist (creating them here would make parallel loads conflict on the catalog). CSV without
 * `keepRawText` takes the typed fast path; the rest read every field as text first.
 */
export async function duckdbBulkLoad(
  conn: DuckDBConnection,
  d: Dialect,
  req: BulkLoadRequest,
): Promise<BulkLoadResult> {
  const n = ++loadCounter;
  const names: LoadNames = { stage: `edp_stage_${n}`, rejects: `edp_rejects_${n}`, scans: `edp_reject_scans_${n}` };
  await ensureLoadTables((sql) => conn.run(sql), d, req);
  const dropTemp = async (): Promise<void> => {
    for (const t of Object.values(names)) await conn.run(`DROP TABLE IF EXISTS ${t}`);
  };
  const finish = async (result: BulkLoadResult): Promise<BulkLoadResult> => {
    await dropTemp();
    return result;
  };
  // CSV is read from a copy that numbers its rows and leaves out the lines the caller quarantined: the caller's,
  // written in its scan of the file, or else one written here.
  const copy = req.format === 'csv' ? join(tmpdir(), `edp-rows-${process.pid}-${n}.csv`) : undefined;
  try {
    const fields = await csvFieldColumns(req);
    if (!copy) return await finish(await textLoad(conn, d, req, fields, names));
    const encoding = NODE_ENCODING[req.encoding];
    const given = req.numberedCopy;
    const file = given?.file ?? copy;
    const rows =
      given?.rows ??
      (await copyWithRowNumbers(req.file, copy, {
        header: req.header,
        delimiter: req.delimiter,
        encoding,
        taken: new Set((req.rejectedLines ?? []).map((p) => p.line)),
      }));
    const numbered: NumberedCsv = {
      file,
      rows,
      linesOf: (wanted, out) => copyNumberedRows(file, out, wanted, { header: req.header, encoding }),
    };
    return await finish(
      !req.keepRawText && req.loadKey
        ? await nativeCsvLoad(conn, d, req, numbered, fields, names)
        : await textLoad(conn, d, { ...req, file }, fields, names),
    );
  } catch (err) {
    // An aborted transaction refuses the drops (its rollback removes its temp tables anyway): keep the real error.
    await dropTemp().catch(() => undefined);
    throw err;
  } finally {
    if (copy) rmSync(copy, { force: true });
  }
}

/** Reads every field as text, casts each column once with TRY_CAST, and keeps the original values as JSON. */
async function textLoad(
  conn: DuckDBConnection,
  d: Dialect,
  req: BulkLoadRequest,
  fields: CsvFieldColumns,
  { stage, rejects, scans }: LoadNames,
): Promise<BulkLoadResult> {
  const { cols, checks, ok } = textLoadChecks(d, req);
  const q = (name: string): string => d.quoteIdent(name);
  const auditList = auditColumns(d, req);
  const sourceFile = d.literal(req.sourceName);
  const columnSpec = csvColumnSpec(d, fields, () => 'VARCHAR', { [ROW]: 'BIGINT' });

  const source = sourceSql(d, req, columnSpec, { stage, rejects, scans });
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${stage} AS
     SELECT *, ${ok} AS edp_ok FROM (
       SELECT *, ${cols.map((c) => `${c.type === 'string' ? 'NULL' : d.tryCast(q(c.name), c.type)} AS ${c.typed}`).join(', ')}
       FROM (${source.select}) WHERE NOT edp_unparsable)`,
  );
  if (source.badLines) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${rejects} AS ${source.badLines}`);
  } else {
    // The reader's rejects name the line as the landing file holds it, without the copy's number.
    const asInFile = rejectAsInFile(d, req.delimiter);
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${rejects} AS SELECT line, column_name, ${asInFile.text} AS csv_line, ${asInFile.message} AS error_message FROM ${rejects}`,
    );
  }
  // Lines the caller took out before reading join the reader's own rejects.
  await conn.run(
    `CREATE TEMP TABLE IF NOT EXISTS ${rejects} (line BIGINT, column_name VARCHAR, csv_line VARCHAR, error_message VARCHAR)`,
  );
  await runOverLines(
    conn,
    req.rejectedLines ?? [],
    (lines) =>
      `INSERT INTO ${rejects} (line, column_name, csv_line, error_message) SELECT line, NULL, text, reason FROM ${lines}`,
  );

  const rowNumber = source.rowNumber;
  const rawJson = `to_json(struct_pack(${cols.map((c) => `${q(c.name)} := ${q(c.name)}`).join(', ')}))::VARCHAR`;
  await conn.run(
    `INSERT INTO ${d.table(req.target)} (${targetColumnList(d, req)})
     SELECT ${cols.map((c) => `${c.type === 'string' ? q(c.name) : c.typed} AS ${q(c.name)}`).join(', ')},
       ${auditList}${rowNumber}, ${rawJson}, now()
     FROM ${stage} WHERE edp_ok`,
  );
  const failures = checks.map(
    (
      c,
    ) => `SELECT ${sourceFile}, ${rowNumber}, NULL::BIGINT, '${c.column}', '${c.rule}', ${q(c.column)}, '${c.message}', ${auditList}now()
            FROM ${stage} WHERE NOT edp_ok AND ${c.failed}`,
  );
  await conn.run(
    `INSERT INTO ${d.table(req.errors)}
     ${[...failures, `SELECT ${sourceFile}, NULL, line, column_name, 'parse', csv_line, error_message, ${auditList}now() FROM ${rejects}`].join(' UNION ALL ')}`,
  );

  const [parsed, bad] = await counts(conn, `SELECT count(*), count(*) FILTER (WHERE NOT edp_ok) FROM ${stage}`);
  const [rejectedLines] = await counts(conn, `SELECT count(DISTINCT line) FROM ${rejects}`);
  return { rowsIn: parsed + rejectedLines, rowsLoaded: parsed - bad, rowsQuarantined: bad + rejectedLines };
}
