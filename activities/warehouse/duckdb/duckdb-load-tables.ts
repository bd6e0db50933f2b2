import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dialect } from '../dialect';
import type { BulkLoadRequest } from '../warehouse';

/** Temp tables one load uses; dropped when it ends. */
export interface LoadNames {
  stage: string;
  rejects: string;
  scans: string;
}

/** The load's constant audit values as a select list (with a trailing comma), typed as declared; named unless `named` is false. */
export function auditColumns(d: Dialect, req: BulkLoadRequest, named = true): string {
  const list = Object.entries(req.audit).map(
    ([name, a]) => `CAST(${d.literal(a.value)} AS ${d.columnType(a.type)})${named ? ` AS ${d.quoteIdent(name)}` : ''}`,
  );
  return list.length > 0 ? `${list.join(', ')}, ` : '';
}

/** Creates the target and error tables if missing: typed columns, then the audit columns. */
export async function ensureLoadTables(conn: DuckDBConnection, d: Dialect, req: BulkLoadRequest): Promise<void> {
  const q = (name: string): string => d.quoteIdent(name);
  const auditDdl = Object.entries(req.audit)
    .map(([name, a]) => `${q(name)} ${d.columnType(a.type)}, `)
    .join('');
  await conn.run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.target)} (
       ${Object.entries(req.columns)
         .map(([name, type]) => `${q(name)} ${d.columnType(type)}`)
         .join(', ')},
       ${auditDdl}_edp_row_number BIGINT, _edp_raw VARCHAR, _edp_loaded_at TIMESTAMPTZ)`,
  );
  await conn.run(
    `CREATE TABLE IF NOT EXISTS ${d.table(req.errors)} (
       source_file VARCHAR, source_row BIGINT, source_line BIGINT, column_name VARCHAR, rule VARCHAR, raw_value VARCHAR,
       message VARCHAR, ${auditDdl}_edp_loaded_at TIMESTAMPTZ)`,
  );
}

/** Inserts lines the caller took out before reading, in batches; values are bound (a line may hold any bytes, NUL included). */
export async function insertRejectedLines(
  conn: DuckDBConnection,
  into: string,
  lines: ReadonlyArray<{ line: number; text: string; reason: string }>,
  placeholders: () => string,
): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const batch = lines.slice(i, i + 500);
    await conn.run(
      `INSERT INTO ${into} VALUES ${batch.map(placeholders).join(', ')}`,
      batch.flatMap((r) => [r.line, r.text, r.reason]),
    );
  }
}
