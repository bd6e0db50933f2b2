import type { ColumnType, LandingColumnType } from '../../lib/config/schema';
import { BadInputError } from '../../lib/errors';
import type { NumberedCopy } from '../formats/csv-lines';
import type { Dialect } from './dialect';
import type { SqlValue, TableRef } from './sql-types';

export { tableRef, type SqlValue, type TableRef } from './sql-types';

/** A result row with JSON-safe values (big integers and decimals become numbers or strings). */
export type Row = Record<string, unknown>;

/** A CSV file to bulk-load into a raw table, with typed columns and a quarantine table for bad rows. */
export interface BulkLoadRequest {
  /** Absolute path (or URI) of the file. */
  file: string;
  format: 'csv' | 'ndjson' | 'json';
  /** CSV only. */
  delimiter: string;
  /** CSV only: whether the first line is a header. */
  header: boolean;
  /** CSV only. */
  quote: string;
  encoding: 'utf-8' | 'utf-16' | 'latin-1';
  /** The target's columns with the type each is cast to (in file order when fields map by position). */
  columns: Readonly<Record<string, LandingColumnType>>;
  /**
   * CSV with a header: map fields onto `columns` by the header's names (the default) or by position.
   * A header that does not name every column, names one twice or (with `extraColumns: 'reject'`)
   * names an unknown one makes the file {@link UnparsableFile}.
   */
  columnsBy?: 'name' | 'position';
  /** CSV mapped by name: a header column not in `columns` rejects the file (the default) or is ignored. */
  extraColumns?: 'reject' | 'ignore';
  /** Columns that must be present and non-empty. */
  required: readonly string[];
  target: TableRef;
  /** Where rows that fail parsing, typing or a required check go. */
  errors: TableRef;
  /**
   * Lines found unreadable before the load (e.g. unbalanced quotes), quarantined as `parse` errors and counted
   * as data rows; the loader leaves them out of what its reader sees, so `file` may still hold them.
   */
  rejectedLines?: ReadonlyArray<{ line: number; text: string; reason: string }>;
  /**
   * CSV only, for a warehouse that {@link Warehouse.loadsNumberedCsv}: the numbered copy of `file` the caller wrote
   * while scanning it, the `rejectedLines` left empty; without it the loader writes its own.
   */
  numberedCopy?: NumberedCopy;
  /** Constant audit values stored on every loaded and quarantined row (load id, interval…), with their types. */
  audit: Readonly<Record<string, AuditValue>>;
  /** An audit column whose value is unique to this load, so its rows can be found again (needed by the CSV fast path). */
  loadKey?: string;
  /** Names the source in the error table's `source_file` column. */
  sourceName: string;
  /**
   * Also keep each row's original text values (as JSON in `_edp_raw`). Costs a text read and a second
   * copy of the data; without it a CSV row is replayed from its landing file by line.
   */
  keepRawText?: boolean;
}

/** A constant audit column's value and type. */
export interface AuditValue {
  value: SqlValue;
  type: ColumnType;
}

/** Counts of one bulk load; `rowsIn = rowsLoaded + rowsQuarantined` always holds. */
export interface BulkLoadResult {
  rowsIn: number;
  rowsLoaded: number;
  rowsQuarantined: number;
}

/** A column of a table as the warehouse reports it. */
export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
}

/** Statements that can run either directly or inside a transaction. */
export interface WarehouseSession {
  /** Runs a query and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Loads a file with the engine's bulk loader (never row by row), quarantining bad rows. */
  bulkLoad(request: BulkLoadRequest): Promise<BulkLoadResult>;
  /** Creates a load's target and error tables if missing, so parallel loads need no catalog change. */
  prepareBulkLoad(request: BulkLoadRequest): Promise<void>;
  /**
   * Appends rows in bulk (the engine's appender, not INSERT per row) to an existing table whose columns
   * are exactly `columns`, in order (schema `temp`: a temp table of this session). Part of the
   * surrounding transaction.
   */
  appendRows(
    table: TableRef,
    columns: readonly AppendColumnType[],
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<void>;
  /**
   * Inserts those of `rows` (unique by `key`) whose key matches no row of `table` yet, into an existing
   * table whose columns are exactly `columns`, in order; returns how many it inserted. Writing a
   * batch twice thus changes nothing. Part of the surrounding transaction.
   */
  insertNew(
    table: TableRef,
    key: readonly string[],
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<number>;
  /**
   * {@link insertNew} of rows carrying only some of the table's values: `rows` (named, typed `columns`)
   * go to a scratch table of the session, and the rows `select(scratch, dialect)` derives from it (the
   * table's columns, in order) are inserted where their key is new. Optional: where an engine lacks it, callers
   * build whole rows for insertNew. Part of the surrounding transaction.
   */
  insertNewDerived?(
    table: TableRef,
    columns: ReadonlyArray<readonly [string, AppendColumnType]>,
    rows: ReadonlyArray<readonly AppendValue[]>,
    select: (scratch: string, dialect: Dialect) => string,
  ): Promise<number>;
  /** Writes one row, replacing the row with the same `key` values. Part of the surrounding transaction. */
  upsertRow(table: TableRef, key: readonly string[], row: Readonly<Record<string, AuditValue>>): Promise<void>;
}

/** The warehouse every activity talks to; one implementation per engine. */
export interface Warehouse extends WarehouseSession {
  /** SQL that differs by engine. */
  readonly dialect: Dialect;
  /**
   * Its CSV loads read a copy of the file with every data line numbered ({@link BulkLoadRequest.numberedCopy}),
   * which the caller can write in the same read as its scan of the file; unset when they read the file itself.
   */
  readonly loadsNumberedCsv?: boolean;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (session: WarehouseSession) => Promise<T>): Promise<T>;
  /** Tables in a schema (all schemas when omitted). */
  listTables(schema?: string): Promise<TableRef[]>;
  /** Columns of a table, or `undefined` when the table does not exist. */
  describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined>;
  /** Writes a query's result to one local Parquet file (snappy); returns the rows written. No rows may leave no file. */
  unloadParquet(select: string, file: string): Promise<number>;
  /** Releases the connection or file. */
  close(): Promise<void>;
  /**
   * Replaces table `table` with a CSV file's data rows (header skipped; the file has no blank line, which
   * engines read differently), every field as text in `columns` by position, empty fields NULL: the
   * engine's bulk CSV reader, for dbt seeds. DDL, so outside a transaction; returns the rows copied.
   */
  copyCsvText(file: string, table: TableRef, columns: readonly string[], delimiter: string): Promise<number>;
}

/** Column types {@link WarehouseSession.appendRows} writes: text, 64-bit integer, timestamp (given as ms since epoch). */
export type AppendColumnType = 'varchar' | 'bigint' | 'timestamptz';
/** The SQL type of each {@link AppendColumnType}, as every engine here spells it. */
export const APPEND_SQL_TYPE: Readonly<Record<AppendColumnType, string>> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  timestamptz: 'TIMESTAMPTZ',
};
/** A value for {@link WarehouseSession.appendRows}: text, a number (integers, or ms for timestamps) or null. */
export type AppendValue = string | number | null;

/** A file no row can be read from (not JSON, say): the loader's caller quarantines it whole. */
export class UnparsableFile extends BadInputError {}
