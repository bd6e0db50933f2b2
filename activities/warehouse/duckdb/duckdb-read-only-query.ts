import { BadSqlError } from '../../../lib/errors';
import type { Row, Warehouse } from '../warehouse';
import type { ReadOnlyTransaction } from './duckdb-read-only-connections';

/**
 * Table functions a read-only query may call: generators and catalog listings. Every other one
 * (`read_csv`, `read_text`, `glob`, `query`, …) can read files or run SQL given as text.
 */
const ALLOWED_TABLE_FUNCTIONS = new Set([
  'range',
  'generate_series',
  'unnest',
  'duckdb_columns',
  'duckdb_constraints',
  'duckdb_databases',
  'duckdb_functions',
  'duckdb_indexes',
  'duckdb_schemas',
  'duckdb_sequences',
  'duckdb_settings',
  'duckdb_tables',
  'duckdb_types',
  'duckdb_views',
  'pragma_table_info',
]);

/** `SHOW …` forms that list the catalog rather than naming a relation. */
const CATALOG_LISTINGS = new Set(['"tables"', '"all_tables"', '"databases"']);

/** A name no replacement scan takes for a file or URL: no dot, slash, wildcard or scheme. */
const PLAIN_NAME = /^[a-z_][a-z0-9_$]*$/;

const WRITE_HINT = 'run it with `edp query --write` if you mean to change the warehouse';

/** A warehouse that runs read-only transactions on warm connections (DuckDB's). */
interface ReadOnlyTransactions {
  readOnlyTransaction<T>(fn: (tx: ReadOnlyTransaction) => Promise<T>): Promise<T>;
}

const hasReadOnlyTransactions = (w: Warehouse): w is Warehouse & ReadOnlyTransactions =>
  typeof (w as Partial<ReadOnlyTransactions>).readOnlyTransaction === 'function';

/** A relation named in the query: `catalog.schema.name`, parts empty where not written. */
interface RelationRef {
  catalog: string;
  schema: string;
  name: string;
}

/** What a parsed statement names: relations, table functions, `SHOW` targets and its CTEs. */
interface Named {
  relations: RelationRef[];
  tableFunctions: string[];
  showTargets: string[];
  ctes: Set<string>;
}

/** Walks DuckDB's serialized parse tree (`json_serialize_sql`) for everything that reaches outside the query. */
function collect(node: unknown, into: Named): Named {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, into);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const text = (key: string): string => (typeof o[key] === 'string' ? o[key] : '').toLowerCase();
    if (o.type === 'BASE_TABLE') {
      into.relations.push({ catalog: text('catalog_name'), schema: text('schema_name'), name: text('table_name') });
    } else if (o.type === 'TABLE_FUNCTION') {
      const fn = o.function as { function_name?: string; schema?: string; catalog?: string } | undefined;
      into.tableFunctions.push([fn?.catalog, fn?.schema, fn?.function_name].filter(Boolean).join('.').toLowerCase());
    } else if (o.type === 'SHOW_REF' && text('table_name')) {
      into.showTargets.push(text('table_name'));
    }
    const cteMap = o.cte_map as { map?: Array<{ key: string }> } | undefined;
    for (const cte of cteMap?.map ?? []) into.ctes.add(cte.key.toLowerCase());
    for (const child of Object.values(o)) collect(child, into);
  }
  return into;
}

/** Parses `sql` in the transaction with DuckDB's parser, without binding it (binding alone would open the files it names). */
async function parse(tx: ReadOnlyTransaction, sql: string): Promise<{ statements: unknown[]; database: string }> {
  // The C API takes the text up to a NUL: refused, so the text parsed is the text that runs.
  if (sql.includes('\0')) throw new BadSqlError('the query contains a NUL character');
  const parsed = await tx.parse(sql);
  const tree = JSON.parse(parsed.tree) as { error: boolean; error_message?: string; statements?: unknown[] };
  if (tree.error) {
    const message = tree.error_message ?? 'unparsable';
    throw new BadSqlError(
      /Only SELECT/i.test(message)
        ? `only SELECT queries run read-only; ${WRITE_HINT}`
        : `cannot parse the query: ${message}`,
    );
  }
  return { statements: tree.statements ?? [], database: parsed.database };
}

/**
 * Where DuckDB's binder looks for a name written without schema: its default search path, the only one a
 * read-only connection has (`search_path` cannot be set globally, and `SET` never runs read-only).
 * `information_schema` is not on it, nor `pg_catalog` outside the system catalog: a name found there
 * alone would pass the check and then be tried as a file.
 */
const UNQUALIFIED_PATH = (database: string): Array<[string, string]> => [
  ['temp', 'main'],
  [database, 'main'],
  ['system', 'main'],
  ['system', 'pg_catalog'],
];

/**
 * Whether a relation resolves to a table or view of the transaction's catalog, looked up by its exact
 * name (the catalog's own lookup, no listing) where DuckDB's binder looks for it. DuckDB tries a name
 * that does not resolve as a file (`FROM '/etc/passwd'`), so such a name is refused before DuckDB sees it.
 */
function resolves(ref: RelationRef, named: Named, tx: ReadOnlyTransaction, database: string): boolean {
  const searched = [database, 'temp', 'system'];
  if (ref.catalog) return tx.exists(ref.catalog, ref.schema, ref.name);
  // `a.b` is schema a's b, or database a's main.b.
  if (ref.schema) {
    return searched.some((d) => tx.exists(d, ref.schema, ref.name)) || tx.exists(ref.schema, 'main', ref.name);
  }
  // A CTE covers only a plain identifier: DuckDB scopes CTE names, and a name that looks like a path
  // (`"/tmp/x.csv"`) outside its CTE's scope is a file to DuckDB. A plain name has no extension, so no
  // replacement scan can take it for a file.
  if (PLAIN_NAME.test(ref.name) && named.ctes.has(ref.name)) return true;
  return UNQUALIFIED_PATH(database).some(([d, s]) => tx.exists(d, s, ref.name));
}

/** Refuses what the parse tree of `sql` names outside the transaction's tables and views; throws {@link BadSqlError}. */
async function check(tx: ReadOnlyTransaction, sql: string): Promise<void> {
  const { statements, database } = await parse(tx, sql);
  if (statements.length !== 1) throw new BadSqlError('send one SELECT at a time');
  const named = collect(statements, { relations: [], tableFunctions: [], showTargets: [], ctes: new Set() });
  const fn = named.tableFunctions.find((f) => !ALLOWED_TABLE_FUNCTIONS.has(f));
  if (fn !== undefined) {
    throw new BadSqlError(`the table function ${fn}() is refused: queries read the warehouse's tables and views only`);
  }
  const show = named.showTargets.find((t) => !CATALOG_LISTINGS.has(t));
  if (show !== undefined) throw new BadSqlError(`SHOW ${show} is refused: use DESCRIBE <schema>.<table>`);
  const oddCte = [...named.ctes].find((c) => !PLAIN_NAME.test(c));
  if (oddCte !== undefined) {
    throw new BadSqlError(`the CTE name "${oddCte}" is refused: name CTEs with plain identifiers (letters, digits, _)`);
  }
  if (named.relations.length === 0) return;
  const unknown = named.relations.find((r) => !resolves(r, named, tx, database));
  if (unknown !== undefined) {
    const name = [unknown.catalog, unknown.schema, unknown.name].filter(Boolean).join('.');
    throw new BadSqlError(
      `Table or view ${name} does not exist (queries read the warehouse's tables and views only, never files)`,
    );
  }
}

/**
 * Runs one SELECT without letting it write or reach outside the warehouse: the statement is parsed
 * first (anything but a single SELECT is refused, so COPY, ATTACH, INSTALL/LOAD, SET and DDL never run),
 * every relation must be a table or view of the catalog, table functions come from a short list of
 * generators and catalog listings, and the SELECT runs in a read-only transaction.
 * DuckDB's `enable_external_access` cannot do this job here: it is instance-wide and one-way, and the
 * instance is the worker's, which reads landing files and writes exports.
 * The check and the SELECT run on one connection in one read-only transaction, so the catalog the
 * check reads is the very one the SELECT binds against: a relation dropped meanwhile cannot turn into a
 * file read between the two. Nothing of the check is kept from one query to the next: each parses its
 * text and looks its names up in its own transaction (a few microseconds each, no listing of the catalog).
 */
export function queryReadOnly(warehouse: Warehouse, sql: string): Promise<Row[]> {
  if (!hasReadOnlyTransactions(warehouse)) throw new TypeError('queryReadOnly needs a DuckDB warehouse');
  // DuckDB itself refuses every write in a read-only transaction (nextval included).
  return warehouse.readOnlyTransaction(async (tx) => {
    await check(tx, sql);
    return tx.query(sql);
  });
}
