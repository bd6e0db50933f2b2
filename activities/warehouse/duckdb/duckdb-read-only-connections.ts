import {
  JsonDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import bindings, { type ClientContext } from '@duckdb/node-bindings';
import type { Row } from '../warehouse';

/** What the parser made of a query, read in the transaction that will run it. */
export interface ParsedQuery {
  /** `json_serialize_sql` of the query text. */
  tree: string;
  /** The database an unqualified name resolves in (`current_database()`). */
  database: string;
}

/**
 * One read-only transaction on a warm connection: the parse, the catalog lookups and the SELECT of a
 * read-only query all see this transaction's snapshot of the catalog.
 */
export interface ReadOnlyTransaction {
  /** Parses `sql`, passed as a parameter value (never spliced into SQL); only parsed, so nothing is opened. */
  parse(sql: string): Promise<ParsedQuery>;
  /** Whether `database.schema.name` is a table or view in this transaction's catalog (any case). */
  exists(database: string, schema: string, name: string): boolean;
  /** Runs `sql` and returns its rows as JSON values. */
  query(sql: string): Promise<Row[]>;
}

const CATALOG_ENTRY_TYPES = new Set([bindings.CatalogEntryType.TABLE, bindings.CatalogEntryType.VIEW]);

/** The most idle connections kept; more run at once when more queries do, and are closed after. */
const MAX_IDLE = 4;

/**
 * A warm connection with its statements prepared on it: a prepared `BEGIN` / `ROLLBACK` costs about a
 * third less than the same text run as a query (no parse, no extraction of statements).
 */
interface Warm {
  conn: DuckDBConnection;
  begin: DuckDBPreparedStatement;
  parse: DuckDBPreparedStatement;
  rollback: DuckDBPreparedStatement;
  /** The connection's DuckDB client context, for the catalog lookups (node-api keeps it private). */
  context: ClientContext;
}

/** Rows of a materialized result, read without a further round trip (every chunk is in memory already). */
function materializedRows(result: DuckDBMaterializedResult): Row[] {
  const names = result.deduplicatedColumnNames();
  const rows: Row[] = [];
  for (let c = 0; c < result.chunkCount; c++) {
    for (const values of result.getChunk(c).convertRows(JsonDuckDBValueConverter)) {
      const row: Row = {};
      values.forEach((v, i) => (row[names[i]] = v));
      rows.push(row);
    }
  }
  return rows;
}

/** The raw client context behind node-api's wrapper; throws rather than look up nothing when it moved. */
function clientContext(conn: DuckDBConnection): ClientContext {
  const context = (conn.getClientContext() as unknown as { client_context?: ClientContext }).client_context;
  if (context === undefined) throw new Error('@duckdb/node-api no longer exposes the connection client context');
  return context;
}

/**
 * Warm connections for read-only queries, so a lookup pays no connect, no prepare and no transaction
 * of its own: a query takes an idle connection (or opens one), begins a read-only transaction, and the
 * transaction is rolled back before the connection is idle again. No transaction outlives its query,
 * so an idle connection holds no snapshot: the next query sees the catalog and rows as they are then.
 */
export class ReadOnlyConnections {
  private readonly idle: Warm[] = [];
  private closed = false;

  constructor(private readonly instance: DuckDBInstance) {}

  /** Runs `fn` in a read-only transaction on a warm connection; the transaction ends after `fn` settles. */
  async run<T>(fn: (tx: ReadOnlyTransaction) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the warehouse is closed');
    const warm = this.idle.pop() ?? (await this.open());
    try {
      await warm.begin.run();
    } catch (err) {
      this.discard(warm);
      throw err;
    }
    const tx: ReadOnlyTransaction = {
      parse: async (sql) => {
        warm.parse.bindVarchar(1, sql);
        const [row] = materializedRows(await warm.parse.run());
        return { tree: String(row.tree), database: String(row.db) };
      },
      exists: (database, schema, name) => {
        // No catalog of that name (or no transaction): nothing exists, so the check fails closed.
        const catalog = bindings.client_context_get_catalog(warm.context, database);
        if (catalog === null) return false;
        const entry = bindings.catalog_get_entry(catalog, warm.context, bindings.CatalogEntryType.TABLE, schema, name);
        return entry !== null && CATALOG_ENTRY_TYPES.has(bindings.catalog_entry_get_type(entry));
      },
      query: async (sql) => materializedRows(await warm.conn.run(sql)),
    };
    try {
      return await fn(tx);
    } finally {
      // The caller has its rows; the connection rejoins the pool once its transaction is over.
      void this.release(warm);
    }
  }

  /** Closes the idle connections; those in use close when their query ends. */
  close(): void {
    this.closed = true;
    for (const warm of this.idle.splice(0)) this.discard(warm);
  }

  private async open(): Promise<Warm> {
    const conn = await this.instance.connect();
    const begin = await conn.prepare('BEGIN TRANSACTION READ ONLY');
    const parse = await conn.prepare('SELECT json_serialize_sql($1::VARCHAR) AS tree, current_database() AS db');
    const rollback = await conn.prepare('ROLLBACK');
    return { conn, begin, parse, rollback, context: clientContext(conn) };
  }

  private async release(warm: Warm): Promise<void> {
    const ended = await warm.rollback.run().then(
      () => true,
      () => false,
    );
    if (ended && !this.closed && this.idle.length < MAX_IDLE) this.idle.push(warm);
    else this.discard(warm);
  }

  /** Closes a connection; never throws, as it runs after the caller has its answer. */
  private discard(warm: Warm): void {
    try {
      for (const statement of [warm.begin, warm.parse, warm.rollback]) statement.destroySync();
      warm.conn.closeSync();
    } catch {
      // Already closed with its instance: nothing is left to free.
    }
  }
}
