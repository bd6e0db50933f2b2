import type { Dialect } from '../dialect';
import type { TableRef, WarehouseSession } from '../warehouse';

/**
 * A CSV file copied as text into a new table by DuckDB's CSV reader: no type or dialect detection,
 * RFC 4180 quoting (`""` inside quotes), the header line skipped, columns named by position. A blank
 * line is no row: the reader skips it, except in a one-column file, where it reads as NULL.
 */
export async function duckdbCopyCsvText(
  s: WarehouseSession,
  d: Dialect,
  file: string,
  table: TableRef,
  columns: readonly string[],
  delimiter: string,
): Promise<number> {
  const types = columns.map((c) => `${d.literal(c)}: 'VARCHAR'`).join(', ');
  await s.execute(
    `CREATE OR REPLACE TABLE ${d.table(table)} AS SELECT * FROM read_csv(${d.literal(file)}, auto_detect = false,
     header = true, delim = ${d.literal(delimiter)}, quote = '"', escape = '"', columns = {${types}})
     ${columns.length === 1 ? `WHERE ${d.quoteIdent(columns[0])} IS NOT NULL` : ''}`,
  );
  const [row] = await s.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${d.table(table)}`);
  return Number(row.n);
}
