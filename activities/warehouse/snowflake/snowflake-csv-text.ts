import type { Dialect } from '../dialect';
import type { TableRef, WarehouseSession } from '../warehouse';
import { logEvent } from '../../telemetry';
import type { LoadStage } from './snowflake-load-stage';
import { LOAD_SCHEMA, newLoadKey } from './snowflake-loader';

/**
 * A CSV file copied as text into a new transient table through the load stage (PUT or external S3,
 * then COPY INTO): the header line skipped, `""` inside quotes, empty fields NULL. The file has no blank
 * line (the seed loader rewrites one that has): COPY would fail on it, or read it as a row of NULLs.
 */
export async function snowflakeCopyCsvText(
  s: WarehouseSession,
  d: Dialect,
  stage: LoadStage,
  file: string,
  table: TableRef,
  columns: readonly string[],
  delimiter: string,
): Promise<number> {
  await s.execute(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(LOAD_SCHEMA)}`);
  await stage.prepare(s);
  await s.execute(
    `CREATE OR REPLACE TRANSIENT TABLE ${d.table(table)} (${columns.map((c) => `${d.quoteIdent(c)} VARCHAR`).join(', ')})`,
  );
  const path = `seeds/${table.schema}.${table.table}/${newLoadKey()}/`;
  try {
    const at = await stage.put(s, file, path);
    const copied = await s.query<{ rows_loaded: number | string }>(
      `COPY INTO ${d.table(table)} FROM ${at} FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ${d.literal(delimiter)}
       SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE
       NULL_IF = () EMPTY_FIELD_AS_NULL = TRUE) FORCE = TRUE PURGE = TRUE`,
    );
    return copied.reduce((sum, r) => sum + Number(r.rows_loaded), 0);
  } finally {
    await stage.remove(path).catch((err: unknown) => logEvent('stage file not removed', { path, error: String(err) }));
  }
}
