import { join } from 'node:path';

/** The bench's working folder (generated project, dbt's files, DuckDB files, the Temporal dev server's state). */
export const benchDir = join(__dirname, '..', '..', '.edp', 'bench', 'transform');
/** The generated dbt project both engines build. */
export const projectDir = join(benchDir, 'project');
/** dbt's profile, target/, logs and captured output. */
export const dbtDir = join(benchDir, 'dbt');
// A DuckDB file's catalog is its file stem: none of these may be named after a schema (main, landing).
/** The warehouse file `dbt build` writes. */
export const dbtFile = join(benchDir, 'dbt_bench.duckdb');
/** The warehouse file the transform workflow writes through Temporal. */
export const temporalFile = join(benchDir, 'edp_temporal.duckdb');
/** The warehouse file the in-process run writes. */
export const inProcessFile = join(benchDir, 'edp_inprocess.duckdb');
