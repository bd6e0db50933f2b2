import type { Warehouse } from './warehouse';

const done = new WeakMap<Warehouse, Map<string, Promise<void>>>();

/**
 * Runs a DDL step (`CREATE … IF NOT EXISTS`) once per warehouse handle and key. Activities running in
 * parallel must not each change the catalog: concurrent catalog changes conflict (DuckDB aborts one
 * with a write-write conflict). A failed step is forgotten, so a retry runs it again.
 */
export function ensureOnce(warehouse: Warehouse, key: string, ddl: () => Promise<unknown>): Promise<void> {
  let steps = done.get(warehouse);
  if (!steps) done.set(warehouse, (steps = new Map<string, Promise<void>>()));
  let step = steps.get(key);
  if (!step) {
    step = ddl().then(() => undefined);
    step.catch(() => steps.delete(key));
    steps.set(key, step);
  }
  return step;
}

/** Creates a schema once per warehouse handle (see {@link ensureOnce}). */
export function ensureSchema(warehouse: Warehouse, schema: string): Promise<void> {
  return ensureOnce(warehouse, `schema:${schema}`, () =>
    warehouse.execute(`CREATE SCHEMA IF NOT EXISTS ${warehouse.dialect.quoteIdent(schema)}`),
  );
}
