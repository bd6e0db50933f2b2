import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, Pool } from 'snowflake-sdk';
import type { Dialect } from '../dialect';
import type {
  AppendColumnType,
  AppendValue,
  AuditValue,
  BulkLoadRequest,
  BulkLoadResult,
  ColumnInfo,
  Row,
  SqlValue,
  TableRef,
  Warehouse,
  WarehouseSession,
} from '../warehouse';
import { activityContext } from '../../heartbeat';
import { snowflakeCopyCsvText } from './snowflake-csv-text';
import { snowflakeDialect } from './snowflake-dialect';
import { externalS3Stage, internalStage, type ExternalStageOptions, type LoadStage } from './snowflake-load-stage';
import { LOAD_SCHEMA, prepareSnowflakeLoad, snowflakeBulkLoad } from './snowflake-loader';
import { ensureOnce } from '../schemas';
import { insertValues, mergeRow } from './snowflake-rows';

/** Where Parquet unloads are staged before GET. */
const UNLOAD_STAGE = { schema: LOAD_SCHEMA, table: 'unload' };

/** How to reach Snowflake (or a Snowflake-protocol server such as fakesnow). */
export interface SnowflakeOptions {
  account: string;
  username: string;
  /** Password auth; or… */
  password?: string;
  /** …key-pair auth: a PEM private key. */
  privateKey?: string;
  database: string;
  schema?: string;
  warehouse?: string;
  role?: string;
  /** Another endpoint than https://<account>.snowflakecomputing.com, e.g. a local fakesnow. */
  accessUrl?: string;
  /** Connections in the pool at most. @default 4 */
  poolMax?: number;
  /** An external S3 stage for bulk loads instead of the internal `EDP_STAGE.LANDING`. */
  stage?: ExternalStageOptions;
}

/** Snowflake reports unquoted names in upper case; the platform's code reads them in lower case. */
function lowerKeys(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k === k.toUpperCase() ? k.toLowerCase() : k] = v;
  return out;
}

/**
 * The QUERY_TAG of a statement: which workflow run and activity issued it, so Snowflake's cost per run
 * can be summed from QUERY_HISTORY. Outside an activity (the CLI) it names the platform only.
 */
export function queryTag(): string {
  const ctx = activityContext();
  if (!ctx) return JSON.stringify({ app: 'edp' });
  const i = ctx.info;
  return JSON.stringify({
    app: 'edp',
    workflowId: i.workflowExecution?.workflowId,
    runId: i.workflowExecution?.runId,
    workflowType: i.workflowType,
    activity: i.activityType,
    attempt: i.attempt,
  }).slice(0, 2000);
}

function run(conn: Connection, sql: string, params?: readonly SqlValue[]): Promise<{ rows: Row[]; changed: number }> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText: sql,
      // UTC like the rest of the platform: a timestamp without an offset is read as UTC.
      parameters: { QUERY_TAG: queryTag(), TIMEZONE: 'UTC' },
      binds: params ? params : undefined,
      complete: (err, stmt, rows) => {
        if (err) reject(err);
        else
          resolve({
            rows: (rows ?? []).map((r) => lowerKeys(r as Record<string, unknown>)),
            changed: stmt.getNumUpdatedRows() ?? 0,
          });
      },
    });
  });
}

class SnowflakeSession implements WarehouseSession {
  constructor(
    protected readonly withConnection: <T>(fn: (c: Connection) => Promise<T>) => Promise<T>,
    readonly dialect: Dialect,
    protected readonly loadStage: LoadStage,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await this.withConnection((c) => run(c, sql, params))).rows as T[];
  }

  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return (await this.withConnection((c) => run(c, sql, params))).changed;
  }

  bulkLoad(request: BulkLoadRequest): Promise<BulkLoadResult> {
    return snowflakeBulkLoad(this, this.dialect, request, this.loadStage);
  }

  prepareBulkLoad(request: BulkLoadRequest): Promise<void> {
    return prepareSnowflakeLoad(this, this.dialect, request, this.loadStage);
  }

  async appendRows(
    table: TableRef,
    columns: readonly AppendColumnType[],
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<void> {
    await insertValues(this, this.dialect, table, columns, rows);
  }

  insertNew(
    table: TableRef,
    key: readonly string[],
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<number> {
    const positions = key.map((k) => columns.findIndex(([name]) => name === k));
    if (positions.some((p) => p < 0))
      throw new TypeError(`key ${key.join(', ')} is not among the columns of ${table.table}`);
    return insertValues(
      this,
      this.dialect,
      table,
      columns.map((c) => c[1]),
      rows,
      { names: key, positions },
    );
  }

  upsertRow(table: TableRef, key: readonly string[], row: Readonly<Record<string, AuditValue>>): Promise<void> {
    return mergeRow(this, this.dialect, table, key, row);
  }
}

/**
 * The production warehouse on snowflake-sdk: a connection pool, `?` binds, transactions on one pooled
 * connection, introspection through INFORMATION_SCHEMA. Names are upper case in Snowflake and lower
 * case here (the dialect quotes them upper-cased). Files load with PUT + COPY INTO (snowflake-loader.ts).
 */
export class SnowflakeWarehouse extends SnowflakeSession implements Warehouse {
  private constructor(
    private readonly pool: Pool<Connection>,
    loadStage: LoadStage,
  ) {
    super((fn) => pool.use(fn), snowflakeDialect, loadStage);
  }

  /**
   * Logs in once, so bad credentials fail here with Snowflake's message and code (390100, 390144: not
   * retried), then opens the pool.
   */
  static async open(o: SnowflakeOptions): Promise<SnowflakeWarehouse> {
    // Loaded on first use: the SDK pulls in the AWS SDK, which warns on stderr in every process that loads it.
    const snowflake = (await import('snowflake-sdk')).default;
    snowflake.configure({ logLevel: 'ERROR' });
    const options = {
      account: o.account,
      username: o.username,
      password: o.password,
      ...(o.privateKey ? { authenticator: 'SNOWFLAKE_JWT', privateKey: o.privateKey } : {}),
      database: o.database,
      schema: o.schema,
      warehouse: o.warehouse,
      role: o.role,
      ...(o.accessUrl ? { accessUrl: o.accessUrl } : {}),
    };
    const loadStage = o.stage ? externalS3Stage(o.stage) : internalStage(snowflakeDialect, LOAD_SCHEMA);
    // A plain connection, not the pool: the pool's factory rethrows login errors without their code.
    await new Promise<void>((resolve, reject) => {
      const conn = snowflake.createConnection(options);
      conn.connect((err) => {
        if (err) reject(err);
        else conn.destroy(() => resolve());
      });
    });
    const pool = snowflake.createPool(options, { max: o.poolMax ?? 4, min: 0 });
    return new SnowflakeWarehouse(pool, loadStage);
  }

  transaction<T>(fn: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return this.pool.use(async (conn) => {
      await run(conn, 'BEGIN');
      try {
        const result = await fn(new SnowflakeSession((f) => f(conn), this.dialect, this.loadStage));
        await run(conn, 'COMMIT');
        return result;
      } catch (err) {
        await run(conn, 'ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async listTables(schema?: string): Promise<TableRef[]> {
    const rows = await this.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema <> 'INFORMATION_SCHEMA' ${schema ? 'AND table_schema = ?' : ''}
       ORDER BY 1, 2`,
      schema ? [schema.toUpperCase()] : undefined,
    );
    return rows.map((r) => ({ schema: r.table_schema.toLowerCase(), table: r.table_name.toLowerCase() }));
  }

  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const rows = await this.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      numeric_precision: number | null;
      numeric_scale: number | null;
    }>(
      `SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale FROM information_schema.columns
       WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
      [ref.schema.toUpperCase(), ref.table.toUpperCase()],
    );
    if (rows.length === 0) return undefined;
    return rows.map((r) => ({
      name: r.column_name.toLowerCase(),
      type:
        /^(NUMBER|DECIMAL|NUMERIC)$/i.test(r.data_type) && r.numeric_precision !== null
          ? `NUMBER(${r.numeric_precision},${r.numeric_scale ?? 0})`
          : r.data_type.toUpperCase(),
      nullable: r.is_nullable === 'YES',
    }));
  }

  copyCsvText(file: string, table: TableRef, columns: readonly string[], delimiter: string): Promise<number> {
    return snowflakeCopyCsvText(this, this.dialect, this.loadStage, file, table, columns, delimiter);
  }

  /**
   * Unloads to the internal stage `EDP_STAGE.UNLOAD` (one file, `SINGLE = TRUE`, up to 5 GB), downloads
   * it with GET, then removes it from the stage.
   */
  async unloadParquet(select: string, file: string): Promise<number> {
    const d = this.dialect;
    await ensureOnce(this, 'stage:edp_stage.unload', async () => {
      await this.execute(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(LOAD_SCHEMA)}`);
      await this.execute(`CREATE STAGE IF NOT EXISTS ${d.table(UNLOAD_STAGE)}`);
    });
    const at = `@${d.table(UNLOAD_STAGE)}/${randomUUID()}/`;
    const dir = mkdtempSync(join(tmpdir(), 'edp-unload-'));
    try {
      const [unloaded] = await this.query<{ rows_unloaded: number | string }>(
        `COPY INTO ${at}data.parquet FROM (${select}) FILE_FORMAT = (TYPE = PARQUET COMPRESSION = SNAPPY)
         HEADER = TRUE SINGLE = TRUE OVERWRITE = TRUE MAX_FILE_SIZE = 5368709120`,
      );
      const rows = Number(unloaded?.rows_unloaded ?? 0);
      if (rows === 0) return 0; // Snowflake writes no file for an empty result
      await this.query(`GET ${at} ${d.literal(`file://${dir}/`)}`);
      copyFileSync(join(dir, 'data.parquet'), file);
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await this.query(`REMOVE ${at}`).catch(() => undefined); // the next unload has its own path anyway
    }
  }

  async close(): Promise<void> {
    await this.pool.drain();
    await this.pool.clear();
  }
}
