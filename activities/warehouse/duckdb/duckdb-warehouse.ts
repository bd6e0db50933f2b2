import { DuckDBConnection, DuckDBInstance, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dialect } from '../dialect';
import {
  APPEND_SQL_TYPE,
  type AppendColumnType,
  type AppendValue,
  type AuditValue,
  type BulkLoadRequest,
  type BulkLoadResult,
  type ColumnInfo,
  type Row,
  type SqlValue,
  type TableRef,
  type Warehouse,
  type WarehouseSession,
} from '../warehouse';
import { duckdbCopyCsvText } from './duckdb-csv-text';
import { duckdbDialect } from './duckdb-dialect';
import { ReadOnlyConnections, type ReadOnlyTransaction } from './duckdb-read-only-connections';
import { WarehouseLockedError } from './duckdb-errors';
import { duckdbBulkLoad } from './duckdb-loader';
import { ensureLoadTables } from '../load-tables';

/** How to open a DuckDB warehouse file. */
export interface DuckDbOptions {
  /** The database file; `:memory:` for a throwaway one. */
  path: string;
  threads?: number;
  /** e.g. `4GB`. */
  memoryLimit?: string;
  /** WAL size that triggers a checkpoint; default 256MB (DuckDB's own 16MB checkpoints after almost every bulk load). */
  checkpointThreshold?: string;
}

class DuckDbSession implements WarehouseSession {
  constructor(
    protected readonly connect: () => Promise<DuckDBConnection>,
    private readonly release: (c: DuckDBConnection) => void,
    readonly dialect: Dialect,
  ) {}

  private async with<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.connect();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.with(async (c) => {
      const reader = await c.runAndReadAll(sql, params ? [...params] : undefined);
      return reader.getRowObjectsJson() as T[];
    });
  }

  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.with(async (c) => {
      const result = await c.run(sql, params ? [...params] : undefined);
      return Number(result.rowsChanged);
    });
  }

  bulkLoad(request: BulkLoadRequest): Promise<BulkLoadResult> {
    return this.with((c) => duckdbBulkLoad(c, this.dialect, request));
  }

  prepareBulkLoad(request: BulkLoadRequest): Promise<void> {
    return this.with((c) => ensureLoadTables((sql) => c.run(sql), this.dialect, request));
  }

  appendRows(
    table: TableRef,
    columns: readonly AppendColumnType[],
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<void> {
    return this.with(async (c) => {
      // Schema `temp`: a temp table of this session.
      const appender =
        table.schema === 'temp'
          ? await c.createAppender(table.table, 'main', 'temp')
          : await c.createAppender(table.table, table.schema);
      try {
        for (const row of rows) {
          columns.forEach((type, i) => {
            const v = row[i];
            if (v === null || v === undefined) appender.appendNull();
            else if (type === 'varchar') appender.appendVarchar(String(v));
            else if (type === 'bigint') appender.appendBigInt(BigInt(v));
            else appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.round(Number(v))) * 1000n));
          });
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  /** Through a temp table filled by the appender, then `INSERT OR IGNORE` (the table's primary key is `key`). */
  insertNew(
    table: TableRef,
    _key: readonly string[],
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<number> {
    return this.insertNewDerived(table, columns, rows, (scratch) => `SELECT * FROM ${scratch}`);
  }

  /** As insertNew: the appender fills a temp table of `columns`, then `INSERT OR IGNORE` takes `select` of it. */
  async insertNewDerived(
    table: TableRef,
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
    select: (scratch: string, dialect: Dialect) => string,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const d = this.dialect;
    const q = (name: string) => d.quoteIdent(name);
    const temp = `edp_new_rows_${++tempCounter}`;
    // Timestamps cross as BIGINT milliseconds and turn into TIMESTAMPTZ in SQL, a whole vector at once:
    // the appender then takes one integer per value instead of a timestamp object built in JS.
    const crossing = columns.map(([, type]) => (type === 'timestamptz' ? 'bigint' : type));
    const ddl = columns.map(([name], i) => `${q(name)} ${APPEND_SQL_TYPE[crossing[i]]}`).join(', ');
    await this.execute(`CREATE OR REPLACE TEMP TABLE ${temp} (${ddl})`);
    await this.appendRows({ schema: 'temp', table: temp }, crossing, rows);
    const values = columns.map(([name, type]) =>
      type === 'timestamptz' ? `make_timestamptz(${q(name)} * 1000) AS ${q(name)}` : q(name),
    );
    const scratch = `(SELECT ${values.join(', ')} FROM ${temp}) AS edp_new_rows`;
    const inserted = await this.execute(`INSERT OR IGNORE INTO ${d.table(table)} ${select(scratch, d)}`);
    await this.execute(`DROP TABLE ${temp}`);
    return inserted;
  }

  async upsertRow(table: TableRef, _key: readonly string[], row: Readonly<Record<string, AuditValue>>): Promise<void> {
    const d = this.dialect;
    const cols = Object.entries(row);
    await this.execute(
      `INSERT OR REPLACE INTO ${d.table(table)} (${cols.map(([c]) => d.quoteIdent(c)).join(', ')})
       VALUES (${cols.map(([, v]) => `CAST(? AS ${d.columnType(v.type)})`).join(', ')})`,
      cols.map(([, v]) => v.value),
    );
  }
}

let tempCounter = 0;

/** The embedded default warehouse: one DuckDB file, opened by one process at a time. */
export class DuckDbWarehouse extends DuckDbSession implements Warehouse {
  /** CSV loads read the numbered copy the caller writes while scanning the file. */
  readonly loadsNumberedCsv = true;

  private readonly readOnlyConnections: ReadOnlyConnections;

  private constructor(private readonly instance: DuckDBInstance) {
    super(
      () => instance.connect(),
      (c) => c.closeSync(),
      duckdbDialect,
    );
    this.readOnlyConnections = new ReadOnlyConnections(instance);
  }

  /** Opens (creating if needed) the DuckDB file; fails with {@link WarehouseLockedError} when another process holds it. */
  static async open(options: DuckDbOptions): Promise<DuckDbWarehouse> {
    const settings: Record<string, string> = {};
    if (options.threads) settings.threads = String(options.threads);
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
    settings.checkpoint_threshold = options.checkpointThreshold ?? '256MB';
    // Never download an extension because a query named one of its functions (a plain SELECT through
    // `edp query` could otherwise fetch and load code); the ones the platform uses are built in.
    settings.autoinstall_known_extensions = 'false';
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    try {
      return new DuckDbWarehouse(await DuckDBInstance.create(options.path, settings));
    } catch (err) {
      const message = (err as Error).message;
      if (/Could not set lock|Conflicting lock/i.test(message)) {
        throw new WarehouseLockedError(`the DuckDB file ${options.path} is held by another process: ${message}`);
      }
      throw err;
    }
  }

  /** Runs `fn` in a read-only transaction on a warm connection (see {@link ReadOnlyConnections}). */
  readOnlyTransaction<T>(fn: (tx: ReadOnlyTransaction) => Promise<T>): Promise<T> {
    return this.readOnlyConnections.run(fn);
  }

  async transaction<T>(fn: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    const session = new DuckDbSession(
      () => Promise.resolve(conn),
      () => {},
      this.dialect,
    );
    try {
      await conn.run('BEGIN TRANSACTION');
      const result = await fn(session);
      await conn.run('COMMIT');
      return result;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      conn.closeSync();
    }
  }

  /** On its own connection, its temp table lives as long as the statements that use it. */
  override insertNew(
    table: TableRef,
    key: readonly string[],
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<number> {
    return this.transaction((tx) => tx.insertNew(table, key, columns, rows));
  }

  /** On its own connection, as insertNew. */
  override insertNewDerived(
    table: TableRef,
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
    select: (scratch: string, dialect: Dialect) => string,
  ): Promise<number> {
    return this.transaction((tx) => (tx as DuckDbSession).insertNewDerived(table, columns, rows, select));
  }

  async listTables(schema?: string): Promise<TableRef[]> {
    const rows = await this.query<{ schema: string; table: string }>(
      `SELECT table_schema AS schema, table_name AS "table" FROM information_schema.tables
       WHERE table_catalog = current_database() AND (? IS NULL OR table_schema = ?) ORDER BY 1, 2`,
      [schema ?? null, schema ?? null],
    );
    return rows;
  }

  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const rows = await this.query<{ name: string; type: string; nullable: string }>(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
       WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
      [ref.schema, ref.table],
    );
    if (rows.length === 0) return undefined;
    return rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable === 'YES' }));
  }

  copyCsvText(file: string, table: TableRef, columns: readonly string[], delimiter: string): Promise<number> {
    return duckdbCopyCsvText(this, this.dialect, file, table, columns, delimiter);
  }

  unloadParquet(select: string, file: string): Promise<number> {
    return this.execute(`COPY (${select}) TO ${this.dialect.literal(file)} (FORMAT PARQUET)`);
  }

  close(): Promise<void> {
    this.readOnlyConnections.close();
    this.instance.closeSync();
    return Promise.resolve();
  }
}
