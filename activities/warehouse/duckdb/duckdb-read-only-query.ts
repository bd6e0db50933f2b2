import { BadSqlError } from '../../../lib/errors';
import type { Row, Warehouse } from '../warehouse';

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

/** Parses `sql` with DuckDB's parser, without binding it (binding alone would open the files it names). */
async function parse(warehouse: Warehouse, sql: string): Promise<unknown[]> {
  const [row] = await warehouse.query<{ tree: string }>('SELECT json_serialize_sql(?::VARCHAR) AS tree', [sql]);
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

/** The catalog's relations as `catalog.schema.name`, lower case, and the databases an unqualified name searches. */
async function catalogRelations(warehouse: Warehouse): Promise<{ relations: Set<string>; searched: string[] }> {
  const rows = await warehouse.query<{ c: string; s: string; n: string; current: string }>(
    `SELECT database_name AS c, schema_name AS s, table_name AS n, current_database() AS current FROM duckdb_tables()
     UNION ALL SELECT database_name, schema_name, view_name, current_database() FROM duckdb_views()`,
  );
  return {
    relations: new Set(rows.map((r) => `${r.c}.${r.s}.${r.n}`.toLowerCase())),
    searched: [rows[0]?.current ?? '', 'temp', 'system'].map((d) => d.toLowerCase()),
  };
}

/**
 * Whether a relation resolves to a table or view of the catalog. DuckDB tries a name that does not as a
 * file (`FROM '/etc/passwd'`), so such a name is refused before DuckDB sees it.
 */
function resolves(ref: RelationRef, named: Named, catalog: { relations: Set<string>; searched: string[] }): boolean {
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

/**
 * Runs one SELECT without letting it write or reach outside the warehouse: the statement is parsed
 * first (anything but a single SELECT is refused, so COPY, ATTACH, INSTALL/LOAD, SET and DDL never run),
 * every relation must be a table or view of the catalog, table functions come from a short list of
 * generators and catalog listings, and the SELECT runs in a read-only transaction.
 * DuckDB's `enable_external_access` cannot do this job here: it is instance-wide and one-way, and the
 * instance is the worker's, which reads landing files and writes exports.
 */
export async function queryReadOnly(warehouse: Warehouse, sql: string): Promise<Row[]> {
  const statements = await parse(warehouse, sql);
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
  const catalog = await catalogRelations(warehouse);
  const unknown = named.relations.find((r) => !resolves(r, named, catalog));
  if (unknown !== undefined) {
    const name = [unknown.catalog, unknown.schema, unknown.name].filter(Boolean).join('.');
    throw new BadSqlError(
      `Table or view ${name} does not exist (queries read the warehouse's tables and views only, never files)`,
    );
  }
  let rows: Row[] = [];
  const done = new Error('read-only query: done');
  await warehouse
    .transaction(async (tx) => {
      // The session is one connection: its transaction is traded for a read-only one, in which DuckDB
      // itself refuses every write (nextval included). Were it not one connection, ROLLBACK would fail.
      await tx.execute('ROLLBACK');
      await tx.execute('BEGIN TRANSACTION READ ONLY');
      rows = await tx.query(sql);
      throw done;
    })
    .catch((err: unknown) => {
      if (err !== done) throw err;
    });
  return rows;
}
