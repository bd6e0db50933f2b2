import { listValue, type DuckDBConnection } from '@duckdb/node-api';

/** A line that never became a row: its physical number, its text and why. */
export interface RejectedLine {
  line: number;
  text: string;
  reason: string;
}

/**
 * Runs the statement `sql` builds over `lines` as a relation of (line, text, reason), bound as three
 * lists: one statement however many lines (a VALUES list of bound rows costs seconds to plan at a few
 * thousand lines), any text kept, NUL included. Nothing runs when there are no lines.
 */
export async function runOverLines(
  conn: DuckDBConnection,
  lines: readonly RejectedLine[],
  sql: (relation: string) => string,
): Promise<void> {
  if (lines.length === 0) return;
  await conn.run(sql('(SELECT unnest($1) AS line, unnest($2) AS text, unnest($3) AS reason)'), [
    listValue(lines.map((l) => BigInt(l.line))),
    listValue(lines.map((l) => l.text)),
    listValue(lines.map((l) => l.reason)),
  ]);
}
