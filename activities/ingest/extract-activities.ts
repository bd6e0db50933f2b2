import { KeyedLock } from '../keyed-lock';
import { extractSqlTable, type ExtractDeps, type ExtractTableInput } from './extract-sql-table';

/** Builds the SQL-source activities. */
export function createExtractActivities(deps: ExtractDeps) {
  const locked = { ...deps, lock: new KeyedLock() };
  return {
    /** See {@link extractSqlTable}. */
    extractSqlTable: (input: ExtractTableInput) => extractSqlTable(locked, input),
  };
}

/** The SQL-source activities as the worker registers them. */
export type ExtractActivities = ReturnType<typeof createExtractActivities>;
