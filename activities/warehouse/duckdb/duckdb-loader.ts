import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dialect } from '../dialect';
import type { BulkLoadRequest, BulkLoadResult } from '../warehouse';

let loadCounter = 0;

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}

/**
 * Loads one CSV file with DuckDB's own reader: every field is read as text, cast per column with
 * TRY_CAST, and any row that fails parsing, typing or a required check goes to the error table
 * instead, so rows in = rows loaded + rows quarantined. Runs on the caller's connection, so a
 * surrounding transaction covers it. The target and error schemas must exist (creating them here
 * would make parallel loads conflict on the catalog).
 */
export async function duckdbBulkLoad(
  conn: DuckDBConnection,
  d: Dialect,
  req: BulkLoadRequest,
): Promise<BulkLoadResult> {
  const n = ++loadCounter;
  const stage = `edp_stage_${n}`;
  const rejects = `edp_rejects_${n}`;
  const scans = `edp_reject_scans_${n}`;
  const violations = `edp_violations_${n}`;
  const cols = Object.entries(req.columns);
  const q = (name: string): string => d.quoteIdent(name);
  const auditCols = Object.keys(req.audit);
  const auditValues = Object.values(req.audit).map((v) => d.literal(v));
  const columnSpec = `{${cols.map(([name]) => `${d.literal(name)}: 'VARCHAR'`).join(', ')}}`;

  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${stage} AS
     SELECT row_number() OVER () AS edp_row, * FROM read_csv(${d.literal(req.file)},
       header = ${req.header}, delim = ${d.literal(req.delimiter)}, quote = '"', escape = '"',
       columns = ${columnSpec}, auto_detect = false, parallel = false,
       ignore_errors = true, store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${scans}')`,
  );
  const present = (name: string): string => `NULLIF(trim(${q(name)}), '')`;
  const checks = [
    ...req.required.map(
      (name) => `SELECT edp_row, '${name}' AS column_name, 'required' AS rule, ${q(name)} AS raw_value,
        'missing mandatory value' AS message FROM ${stage} WHERE ${present(name)} IS NULL`,
    ),
    ...cols
      .filter(([, type]) => type !== 'string')
      .map(
        ([name, type]) => `SELECT edp_row, '${name}', 'type', ${q(name)}, 'not a valid ${type}' FROM ${stage}
          WHERE ${present(name)} IS NOT NULL AND ${d.tryCast(present(name), type)} IS NULL`,
      ),
  ];
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${violations} AS ${
      checks.length > 0
        ? checks.join(' UNION ALL ')
        : `SELECT NULL::BIGINT AS edp_row, '' AS column_name, '' AS rule, '' AS raw_value, '' AS message WHERE false`
    }`,
  );

  const auditDdl = auditCols.map((c) => `${q(c)} VARCHAR`).join(', ');
  await conn.run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.target)} (
       ${cols.map(([name, type]) => `${q(name)} ${d.columnType(type)}`).join(', ')},
       ${auditDdl}${auditDdl ? ',' : ''} _edp_row_number BIGINT, _edp_raw VARCHAR, _edp_loaded_at TIMESTAMPTZ)`,
  );
  await conn.run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.errors)} (
       source_row BIGINT, source_line BIGINT, column_name VARCHAR, rule VARCHAR, raw_value VARCHAR, message VARCHAR,
       ${auditDdl}${auditDdl ? ',' : ''} _edp_loaded_at TIMESTAMPTZ)`,
  );

  const auditSelect = auditValues.map((v, i) => `${v} AS ${q(auditCols[i])}`).join(', ');
  const rawJson = `to_json(struct_pack(${cols.map(([name]) => `${q(name)} := ${q(name)}`).join(', ')}))::VARCHAR`;
  await conn.run(
    `INSERT INTO ${d.table(req.target)}
     SELECT ${cols.map(([name, type]) => `${type === 'string' ? q(name) : d.tryCast(present(name), type)} AS ${q(name)}`).join(', ')},
       ${auditSelect}${auditSelect ? ',' : ''} edp_row, ${rawJson}, now()
     FROM ${stage} WHERE edp_row NOT IN (SELECT edp_row FROM ${violations}) ORDER BY edp_row`,
  );
  await conn.run(
    `INSERT INTO ${d.table(req.errors)}
     SELECT edp_row, NULL, column_name, rule, raw_value, message, ${auditSelect}${auditSelect ? ',' : ''} now() FROM ${violations}
     UNION ALL
     SELECT NULL, line, column_name, 'parse', csv_line, error_message, ${auditSelect}${auditSelect ? ',' : ''} now() FROM ${rejects}`,
  );

  const parsed = await count(conn, `SELECT count(*) FROM ${stage}`);
  const rejectedLines = await count(conn, `SELECT count(DISTINCT line) FROM ${rejects}`);
  const badRows = await count(conn, `SELECT count(DISTINCT edp_row) FROM ${violations}`);
  for (const t of [stage, violations, rejects, scans]) await conn.run(`DROP TABLE IF EXISTS ${t}`);
  return { rowsIn: parsed + rejectedLines, rowsLoaded: parsed - badRows, rowsQuarantined: badRows + rejectedLines };
}
