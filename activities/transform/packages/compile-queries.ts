/** The rows of a query a template ran (`run_query`, `statement`), as dbt's agate table offers them. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/**
 * Queries a template runs while compiling: minijinja renders synchronously, so a render records the SQL
 * it needs (`pending`), the caller runs it on the warehouse and renders again with the `results`.
 */
export interface QueryStore {
  results: Map<string, QueryResult>;
  pending: Set<string>;
}

const stores = new Map<string, QueryStore>();

/** The query store of one invocation (results stay valid for the nodes of that run). */
export function queryStore(invocationId: string): QueryStore {
  let s = stores.get(invocationId);
  if (!s) {
    if (stores.size > 8) stores.clear();
    s = { results: new Map(), pending: new Set() };
    stores.set(invocationId, s);
  }
  return s;
}

/** dbt's agate table for a query result: `rows`, `columns[i].values()`, `column_names`, and `load_result`'s `data`. */
export function agateTable(r: QueryResult | undefined) {
  const result = r ?? { columns: [], rows: [] };
  return {
    rows: result.rows,
    column_names: result.columns,
    columns: result.columns.map((name, i) =>
      agateColumn(
        name,
        result.rows.map((row) => row[i]),
      ),
    ),
    data: result.rows,
  };
}

/** A column of an agate table: `name`, `values()` (its `data` kept as well, so it survives a trip through JS). */
export function agateColumn(name: unknown, data: unknown[]) {
  return { name, data, values: () => data };
}

/** dbt's Column of a relation (`adapter.get_columns_in_relation`) with its type tests. */
export function relationColumn(name: unknown, type: unknown) {
  const dtype = (typeof type === 'string' ? type : '').toLowerCase();
  return {
    name,
    column: name,
    quoted: `"${String(name)}"`,
    data_type: type,
    dtype: type,
    is_string: () => /char|text|string/.test(dtype),
    is_number: () => /int|decimal|numeric|double|float|real/.test(dtype),
    is_numeric: () => /decimal|numeric/.test(dtype),
    is_integer: () => /int/.test(dtype),
    is_float: () => /double|float|real/.test(dtype),
  };
}

/**
 * A template value that went through JS (its methods became text) as the object it was: agate and
 * relation columns get their methods back; anything else is returned as it is.
 */
export function revived(value: Record<string, unknown>): unknown {
  if ('is_string' in value && 'column' in value && 'data_type' in value) {
    return relationColumn(value.column, value.data_type);
  }
  if ('values' in value && 'name' in value && Array.isArray(value.data)) return agateColumn(value.name, value.data);
  return value;
}

/**
 * `X.items()` of a template: a mapping's entries, and for agate's `table.columns` (a list here) each
 * column by name, as agate's MappedSequence gives them.
 */
export function itemsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    const list: unknown[] = value;
    return list.map((c) => (c && typeof c === 'object' && 'name' in c ? [c.name, c] : [c, c]));
  }
  return value && typeof value === 'object' ? Object.entries(value) : [];
}

/**
 * Renders with `render` until every query it asks for has a result (at most 20 rounds), running the
 * missing ones with `run`. A render that fails without asking for a query is left for the real compile.
 */
export async function prefetchQueries(
  store: QueryStore,
  render: () => void,
  run: (sql: string) => Promise<QueryResult>,
): Promise<void> {
  for (let round = 0; round < 20; round++) {
    store.pending.clear();
    try {
      render();
    } catch {
      // The compile after this reports the error with its file and line.
    }
    if (store.pending.size === 0) return;
    for (const sql of [...store.pending]) store.results.set(sql, await run(sql));
  }
}
