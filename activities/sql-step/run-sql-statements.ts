import type { DataInterval } from '../../lib/intervals';
import type { Warehouse } from '../warehouse';

/** Input of {@link runSqlStatements}. */
export interface RunSqlStatementsInput {
  statements: string[];
  interval: DataInterval;
}

/** What a SQL step changed: rows per statement, in order. */
export interface RunSqlStatementsResult {
  rowsChanged: number[];
}

/** `{{ data_interval_start }}` / `{{ data_interval_end }}` as quoted instants; other text is left as written. */
export function withIntervalBounds(sql: string, interval: DataInterval): string {
  const bounds: Record<string, string> = { data_interval_start: interval.start, data_interval_end: interval.end };
  // The bounds are ISO instants built by the platform, never user text, so quoting them inline is safe.
  return sql.replace(/\{\{\s*(data_interval_start|data_interval_end)\s*\}\}/g, (_, k: string) => `'${bounds[k]}'`);
}

/** A pipeline's SQL step: its statements in one transaction, so a failure leaves no partial change. */
export async function runSqlStatements(
  deps: { warehouse: Warehouse },
  input: RunSqlStatementsInput,
): Promise<RunSqlStatementsResult> {
  const rowsChanged = await deps.warehouse.transaction(async (session) => {
    const changed: number[] = [];
    for (const sql of input.statements) changed.push(await session.execute(withIntervalBounds(sql, input.interval)));
    return changed;
  });
  return { rowsChanged };
}
