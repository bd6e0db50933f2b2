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
    columns: result.columns.map((name, i) => ({ name, values: () => result.rows.map((row) => row[i]) })),
    data: result.rows,
  };
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
