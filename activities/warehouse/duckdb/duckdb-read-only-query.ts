import { BadSqlError } from '../../../lib/errors';
import type { Row, Warehouse, WarehouseSession } from '../warehouse';
import { duckdbDialect } from './duckdb-dialect';

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

/**
 * Trades the session's transaction for a read-only one and parses `sql` with DuckDB's parser, without
 * binding it (binding alone would open the files it names): one round trip, the text as a string literal.
 */
async function beginAndParse(session: WarehouseSession, sql: string): Promise<unknown[]> {
  const [row] = await session.query<{ tree: string }>(
    `ROLLBACK; BEGIN TRANSACTION READ ONLY; SELECT json_serialize_sql(${duckdbDialect.literal(sql)}) AS tree`,
  );
  const tree = JSON.parse(row.tree) as { error: boolean; error_message?: string; statements?: unknown[] };
  if (tree.error) {
    const message = tree.error_message ?? 'unparsable';
    throw new BadSqlError(
      /Only SELECT/i.test(message)
        ? `only SELECT queries run read-only; ${WRITE_HINT}`
        : `cannot parse the query: ${message}`,
    );
  }
  return tree.statements ?? [];
}

/** Relations of the catalog as `catalog.schema.name`, lower case, and the databases an unqualified name searches. */
interface CatalogSlice {
  relations: Set<string>;
  searched: string[];
}

/**
 * The views, then (only if a name is still unresolved) the tables, whose name is one of the query's: an
 * exact lookup of what the query names instead of the whole catalog. `duckdb_tables()` builds every
 * table's row (its SQL text included) whatever the filter, so it is skipped when views resolve every name.
 */
async function catalogSlice(session: WarehouseSession, named: Named): Promise<CatalogSlice> {
  const names = JSON.stringify([...new Set(named.relations.map((r) => r.name))]);
  const slice: CatalogSlice = { relations: new Set(), searched: [] };
  const add = async (listing: 'duckdb_views' | 'duckdb_tables', column: string): Promise<void> => {
    const [row] = await session.query<{ current: string; found: string[] | null }>(
      `SELECT current_database() AS current, list(lower(database_name || '.' || schema_name || '.' || ${column})) AS found
       FROM ${listing}() WHERE list_contains(from_json(?::JSON, '["VARCHAR"]'), lower(${column}))`,
      [names],
    );
    for (const r of row.found ?? []) slice.relations.add(r);
    slice.searched = [row.current, 'temp', 'system'].map((d) => d.toLowerCase());
  };
  await add('duckdb_views', 'view_name');
  if (named.relations.every((ref) => resolves(ref, named, slice))) return slice;
  await add('duckdb_tables', 'table_name');
  return slice;
}

/**
 * Whether a relation resolves to a table or view of the catalog. DuckDB tries a name that does not as a
 * file (`FROM '/etc/passwd'`), so such a name is refused before DuckDB sees it.
 */
function resolves(ref: RelationRef, named: Named, catalog: CatalogSlice): boolean {
  const { relations, searched } = catalog;
  if (ref.catalog) return relations.has(`${ref.catalog}.${ref.schema}.${ref.name}`);
  // `a.b` is schema a's b, or database a's main.b.
  if (ref.schema) {
    return (
      searched.some((d) => relations.has(`${d}.${ref.schema}.${ref.name}`)) ||
      relations.has(`${ref.schema}.main.${ref.name}`)
    );
  }
  // A CTE covers only a plain identifier: DuckDB scopes CTE names, and a name that looks like a path
  // (`"/tmp/x.csv"`) outside its CTE's scope is a file to DuckDB. A plain name has no extension, so no
  // replacement scan can take it for a file.
  if (PLAIN_NAME.test(ref.name) && named.ctes.has(ref.name)) return true;
  return searched.some((d) =>
    ['main', 'pg_catalog', 'information_schema'].some((s) => relations.has(`${d}.${s}.${ref.name}`)),
  );
}

/** In a read-only transaction from now on, refuses what the parse tree of `sql` names outside the catalog's tables and views; throws {@link BadSqlError}. */
async function check(session: WarehouseSession, sql: string): Promise<void> {
  const statements = await beginAndParse(session, sql);
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
  const catalog = await catalogSlice(session, named);
  const unknown = named.relations.find((r) => !resolves(r, named, catalog));
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
 * file read between the two.
 */
export async function queryReadOnly(warehouse: Warehouse, sql: string): Promise<Row[]> {
  let rows: Row[] = [];
  const done = new Error('read-only query: done');
  await warehouse
    .transaction(async (tx) => {
      // The session is one connection: its transaction is traded for a read-only one, in which DuckDB
      // itself refuses every write (nextval included). Were it not one connection, ROLLBACK would fail.
      await check(tx, sql);
      rows = await tx.query(sql);
      throw done;
    })
    .catch((err: unknown) => {
      if (err !== done) throw err;
    });
  return rows;
}
