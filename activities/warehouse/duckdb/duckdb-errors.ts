import { ErrorType, WarehouseBusyError, type ErrorClassification } from '../../../lib/errors';

/** Raised when another process holds the DuckDB file (DuckDB allows one writer process). */
export class WarehouseLockedError extends WarehouseBusyError {
  override name = 'WarehouseLockedError';
}

/** DuckDB's error classes a retry cannot fix: the statement itself is wrong. */
const NON_RETRYABLE_SQL = /^(Parser|Binder|Catalog|Conversion|Invalid Input|Constraint|Not implemented) Error/;

/** Classifies a DuckDB error: bad SQL is non-retryable; anything else is not DuckDB's to judge. */
export function classifyDuckDbError(e: Error): ErrorClassification | undefined {
  return NON_RETRYABLE_SQL.test(e.message) ? { type: ErrorType.BadSql, retryable: false } : undefined;
}
