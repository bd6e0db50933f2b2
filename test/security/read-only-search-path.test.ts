import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import type { ReadOnlyTransaction } from '../../activities/warehouse/duckdb/duckdb-read-only-connections';
import { queryReadOnly } from '../../activities/warehouse/duckdb/duckdb-read-only-query';
import { tmpDir } from '../helpers/tmp';

const SECRET_TEXT = 'SEARCH-PATH-SECRET-FILE-CONTENT';

/**
 * The warehouse as the read-only check sees it, except that its catalog also holds `extra`
 * (`database.schema.name`, any case) as a table: a stand-in for a catalog entry DuckDB's own DDL does not
 * let a writer create today (a table in `<db>.information_schema`), so the check's answer for it is tested
 * without depending on that refusal.
 */
function withEntry(w: DuckDbWarehouse, extra: (database: string, schema: string, name: string) => boolean) {
  const seen = (tx: ReadOnlyTransaction): ReadOnlyTransaction => ({
    parse: (sql) => tx.parse(sql),
    exists: (...name) => extra(...name) || tx.exists(...name),
    query: (sql) => tx.query(sql),
  });
  return new Proxy(w, {
    get(target, key, receiver) {
      if (key === 'readOnlyTransaction') {
        return <T>(fn: (tx: ReadOnlyTransaction) => Promise<T>) => target.readOnlyTransaction((tx) => fn(seen(tx)));
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('the read-only check looks a name up where DuckDB binds it', () => {
  const dir = tmpDir('edp-security-search-path-');
  const secretFile = join(dir, 'keys.csv');
  let w: DuckDbWarehouse;
  let database: string;

  beforeAll(async () => {
    writeFileSync(secretFile, `key,value\npayload,${SECRET_TEXT}\n`);
    w = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
    const [row] = await w.query<{ db: string }>('SELECT current_database() AS db');
    database = row.db;
  });
  afterAll(() => w.close());

  const readOnly = (warehouse: DuckDbWarehouse, sql: string) =>
    queryReadOnly(warehouse, sql).catch((err: Error) => [{ error: err.message }]);
  const refused = (name: string) => [
    { error: `Table or view ${name} does not exist (queries read the warehouse's tables and views only, never files)` },
  ];

  // `<db>` stands for the warehouse's own database, known once it is open.
  it.each([
    ['<db>', 'information_schema'],
    ['<db>', 'pg_catalog'],
    ['temp', 'pg_catalog'],
  ])(
    'refuses a path-named table of %s.%s written without schema, which DuckDB would read as the file (stand-in catalog entry)',
    async (catalog, schema) => {
      const inCatalog = catalog === '<db>' ? database : catalog;
      const offPath = withEntry(w, (d, s, n) => d === inCatalog && s === schema && n === secretFile.toLowerCase());
      const rows = await readOnly(offPath, `SELECT value FROM "${secretFile}"`);
      expect(JSON.stringify(rows)).not.toContain(SECRET_TEXT);
      expect(rows).toEqual(refused(secretFile.toLowerCase()));
    },
  );

  it('refuses an information_schema view written without schema with its own message, as DuckDB does not find it there', async () => {
    expect(await readOnly(w, 'SELECT count(*) AS n FROM tables')).toEqual(refused('tables'));
    expect(await readOnly(w, 'SELECT count(*) AS n FROM columns')).toEqual(refused('columns'));
  });

  it('still reads what is on the search path, and information_schema named with its schema', async () => {
    await w.execute('CREATE TABLE main.portal_probe AS SELECT 1 AS id');
    expect(await readOnly(w, 'SELECT id FROM portal_probe')).toEqual([{ id: 1 }]);
    const [pgClass] = await readOnly(w, "SELECT count(*) AS n FROM pg_class WHERE relname = 'portal_probe'");
    expect(pgClass).toEqual({ n: expect.anything() as unknown });
    expect(
      await readOnly(w, "SELECT table_name FROM information_schema.tables WHERE table_name = 'portal_probe'"),
    ).toEqual([{ table_name: 'portal_probe' }]);
  });
});
