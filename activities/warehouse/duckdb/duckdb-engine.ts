import { defineEngine } from '../engine';
import { duckdbConfigSchema } from './duckdb-config';
import { duckdbDialect } from './duckdb-dialect';
import { duckdbGovernance } from './duckdb-governance';
import { queryReadOnly } from './duckdb-read-only-query';
import { classifyDuckDbError } from './duckdb-errors';

/** DuckDB, the embedded default: one file on disk that one process (the worker) holds. */
export const duckdbEngine = defineEngine({
  name: 'duckdb',
  configSchema: duckdbConfigSchema,
  dialect: duckdbDialect,
  dbtType: 'duckdb',
  // The driver loads with the first warehouse opened: reading the config (every `edp` command) never needs it.
  open: async (section) => (await import('./duckdb-warehouse')).DuckDbWarehouse.open(section),
  resolvePaths: (section, inState) => ({ ...section, path: inState(section.path) }),
  singleWriter: (section) => ({ file: section.path, queryPort: section.queryPort }),
  queryReadOnly,
  classifyError: classifyDuckDbError,
  governance: duckdbGovernance,
  lineageNamespace: (section) => ({ namespace: `duckdb://${section.path}` }),
  // dbt-duckdb writes and reads files; its apply_grants only warns ("not supported by DuckDB").
  dbtAdapter: { externalFiles: true },
});
