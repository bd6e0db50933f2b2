import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../dialect';
import { auditColumns, ensureLoadTables, insertRejectedLines, targetColumnList, textLoadChecks } from '../load-tables';
import type { BulkLoadRequest, BulkLoadResult, TableRef, WarehouseSession } from '../warehouse';
import { logEvent } from '../../telemetry';
import type { LoadStage } from './snowflake-load-stage';
import { stageFile, type StagedReject } from './snowflake-stage-file';

/** Schema of the load machinery: the internal stages and the all-text stage tables. */
export const LOAD_SCHEMA = 'edp_stage';

/** The all-text table a target's files are copied into before typing, shared by its loads (keyed per load). */
export function stageTable(target: TableRef): TableRef {
  return { schema: LOAD_SCHEMA, table: `${target.schema}__${target.table}` };
}

/** Format of the files {@link stageFile} writes; nothing is read as NULL but an empty field. */
const STAGED_FORMAT =
  "FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '\"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = () EMPTY_FIELD_AS_NULL = TRUE)";

/**
 * Creates what loads into `req.target` need, outside any transaction (Snowflake commits DDL on its
 * own): the stage (or a check of the external one), the target's all-text stage table, and the
 * target and error tables.
 */
export async function prepareSnowflakeLoad(
  session: WarehouseSession,
  d: Dialect,
  req: BulkLoadRequest,
  files: LoadStage,
): Promise<void> {
  const run = (sql: string): Promise<number> => session.execute(sql);
  await run(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(LOAD_SCHEMA)}`);
  await files.prepare(session);
  const text = Object.keys(req.columns)
    .map((name) => `${d.quoteIdent(name)} VARCHAR`)
    .join(', ');
  // Scratch space, recreated when the entity's columns changed (its rows live only inside a load).
  const ref = stageTable(req.target);
  const has = await session.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    [ref.schema.toUpperCase(), ref.table.toUpperCase()],
  );
  const stale =
    has.length > 0 &&
    has.map((c) => c.column_name.toLowerCase()).join() !== ['edp_key', 'edp_row', ...Object.keys(req.columns)].join();
  await run(
    `CREATE ${stale ? 'OR REPLACE TRANSIENT TABLE' : 'TRANSIENT TABLE IF NOT EXISTS'} ${d.table(ref)} (edp_key VARCHAR, edp_row BIGINT, ${text})`,
  );
  await ensureLoadTables(run, d, req);
}

/**
 * A load's key, on every staged row and in its stage path: short (12 characters), random enough that
 * concurrent loads of a table never share one, and without `-`: the path stands unquoted in PUT and
 * COPY, where `--` starts a comment (base64url's `-` made about one load in 370 COPY from a truncated
 * path with the default file format, typing none of its rows).
 */
export function newLoadKey(): string {
  return randomBytes(9).toString('base64url').replace(/-/g, '_');
}

/**
 * Loads one file into Snowflake: parsed once in Node into a canonical CSV ({@link stageFile}), put
 * in the stage (internal by PUT, or external S3), COPY'd into the target's all-text stage table under a fresh key, then typed
 * with TRY_CAST into the target; rows failing a required or type check, and lines that did not
 * parse, go to the error table, so rows in = rows loaded + rows quarantined. No DDL: the statements
 * are all part of the caller's transaction (the stage rows are deleted in it too). Needs
 * {@link prepareSnowflakeLoad} first.
 */
export async function snowflakeBulkLoad(
  session: WarehouseSession,
  d: Dialect,
  req: BulkLoadRequest,
  files: LoadStage,
): Promise<BulkLoadResult> {
  const key = newLoadKey();
  const local = join(tmpdir(), `edp-stage-${key}.csv`);
  const stage = d.table(stageTable(req.target));
  const path = `${req.target.schema}.${req.target.table}/${key}/`;
  try {
    const staged = await stageFile(req, local, key);
    if (staged.rows > 0) {
      const at = await files.put(session, local, path);
      // FORCE: the path is new, and a rolled-back load must not leave Snowflake thinking it was loaded.
      const copied = await session.query<{ rows_loaded: number | string }>(
        `COPY INTO ${stage} (edp_key, edp_row, ${Object.keys(req.columns)
          .map((c) => d.quoteIdent(c))
          .join(', ')}) FROM ${at} ${STAGED_FORMAT} FORCE = TRUE PURGE = TRUE`,
      );
      const rows = copied.reduce((sum, r) => sum + Number(r.rows_loaded), 0);
      if (rows !== staged.rows) {
        throw new Error(`COPY INTO ${stage} loaded ${rows} rows of the ${staged.rows} staged from ${req.sourceName}`);
      }
    }
    const parseRejects: StagedReject[] = [...(req.rejectedLines ?? []), ...staged.rejects];
    const typed = await insertTyped(session, d, req, stage, key);
    await insertRejectedLines(
      (sql, params) => session.execute(sql, params),
      d.table(req.errors),
      parseRejects,
      `(${d.literal(req.sourceName)}, NULL, ?, NULL, 'parse', ?, ?, ${auditColumns(d, req, false)}${d.now()})`,
    );
    await session.execute(`DELETE FROM ${stage} WHERE edp_key = ?`, [key]);
    if (typed.parsed !== staged.rows) {
      throw new Error(`${stage} holds ${typed.parsed} rows of load ${key}; ${staged.rows} were staged`);
    }
    return {
      rowsIn: typed.parsed + parseRejects.length,
      rowsLoaded: typed.loaded,
      rowsQuarantined: typed.parsed - typed.loaded + parseRejects.length,
    };
  } finally {
    rmSync(local, { force: true });
    // A file left behind (unique path, never read again) must not fail a load that committed.
    await files.remove(path).catch((err: unknown) => logEvent('stage file not removed', { path, error: String(err) }));
  }
}

/** Casts this load's stage rows into the target, and writes one error row per failed check of the rest. */
async function insertTyped(
  session: WarehouseSession,
  d: Dialect,
  req: BulkLoadRequest,
  stage: string,
  key: string,
): Promise<{ parsed: number; loaded: number }> {
  const { cols, checks, ok } = textLoadChecks(d, req);
  const q = (name: string): string => d.quoteIdent(name);
  const rows = `(SELECT *, ${ok} AS edp_ok FROM (
      SELECT *, ${cols.map((c) => `${c.type === 'string' ? 'NULL' : d.tryCast(q(c.name), c.type)} AS ${c.typed}`).join(', ')}
      FROM ${stage} WHERE edp_key = ${d.literal(key)}))`;
  const audit = auditColumns(d, req);
  // NDJSON and JSON rows always keep their text (docs/configuration.md `keepRawText`), as on DuckDB.
  const raw =
    req.keepRawText || req.format !== 'csv'
      ? `TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL(${cols.map((c) => `${d.literal(c.name)}, ${q(c.name)}`).join(', ')}))`
      : 'NULL';
  await session.execute(
    `INSERT INTO ${d.table(req.target)} (${targetColumnList(d, req)})
     SELECT ${cols.map((c) => (c.type === 'string' ? q(c.name) : c.typed)).join(', ')}, ${audit}edp_row, ${raw}, ${d.now()}
     FROM ${rows} WHERE edp_ok`,
  );
  if (checks.length > 0) {
    const source = d.literal(req.sourceName);
    await session.execute(
      `INSERT INTO ${d.table(req.errors)}
       ${checks
         .map(
           (c) =>
             `SELECT ${source}, edp_row, NULL, ${d.literal(c.column)}, ${d.literal(c.rule)}, ${q(c.column)}, ${d.literal(c.message)}, ${audit}${d.now()}
              FROM ${rows} WHERE NOT edp_ok AND ${c.failed}`,
         )
         .join(' UNION ALL ')}`,
    );
  }
  const [count] = await session.query<{ parsed: number | string; loaded: number | string | null }>(
    `SELECT COUNT(*) AS parsed, SUM(CASE WHEN edp_ok THEN 1 ELSE 0 END) AS loaded FROM ${rows}`,
  );
  return { parsed: Number(count.parsed), loaded: Number(count.loaded ?? 0) };
}
