/** A pipeline's custom SQL step: statements run on the warehouse in one transaction. */
import type { Warehouse } from '../warehouse';
import { runSqlStatements, type RunSqlStatementsInput } from './run-sql-statements';

export * from './run-sql-statements';

/** The SQL-step activities, closed over the warehouse. */
export function createSqlStepActivities(deps: { warehouse: Warehouse }) {
  return {
    /** See {@link runSqlStatements}. */
    runSqlStatements: (input: RunSqlStatementsInput) => runSqlStatements(deps, input),
  };
}
