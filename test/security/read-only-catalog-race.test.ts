import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import type { ReadOnlyTransaction } from '../../activities/warehouse/duckdb/duckdb-read-only-connections';
import { queryReadOnly } from '../../activities/warehouse/duckdb/duckdb-read-only-query';
import { tmpDir } from '../helpers/tmp';

const SECRET_TEXT = 'RACE-SECRET-FILE-CONTENT';

/**
 * The warehouse as the read-only check sees it, except that right after the check has looked its names
 * up in the catalog, another connection runs `statement` (a transform replacing its tables does so at
 * any time). `ran` says whether it ran, so a test cannot pass without the race it is about.
 */
function racing(w: DuckDbWarehouse, statement: string): { warehouse: DuckDbWarehouse; ran: () => boolean } {
  let looked = false;
  let ran = false;
  const during = (tx: ReadOnlyTransaction): ReadOnlyTransaction => ({
    parse: (sql) => tx.parse(sql),
    exists: (...name) => {
      looked = true;
      return tx.exists(...name);
    },
    query: async (sql) => {
      if (looked && !ran) {
        ran = true;
        await w.execute(statement);
      }
      return tx.query(sql);
    },
  });
  const warehouse = new Proxy(w, {
    get(target, key, receiver) {
      if (key === 'readOnlyTransaction') {
        return <T>(fn: (tx: ReadOnlyTransaction) => Promise<T>) => target.readOnlyTransaction((tx) => fn(during(tx)));
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { warehouse, ran: () => ran };
}

describe('the read-only check and the SELECT see the same catalog', () => {
  const dir = tmpDir('edp-security-race-');
  const secretFile = join(dir, 'keys.csv');
  // A table named like the file: the check lets it through, being a table; once dropped, DuckDB would
  // take the same name for the file.
  const table = `"${secretFile}"`;
  let w: DuckDbWarehouse;

  beforeAll(async () => {
    writeFileSync(secretFile, `key,value\npayload,${SECRET_TEXT}\n`);
    w = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
  });
  afterAll(() => w.close());

  const readOnly = (warehouse: DuckDbWarehouse, sql: string) =>
    queryReadOnly(warehouse, sql).catch((err: Error) => [{ error: err.message }]);

  it('never reads the file a table was named after when the table is dropped between the check and the SELECT', async () => {
    await w.execute(`CREATE TABLE ${table} AS SELECT 'harmless' AS value`);
    const race = racing(w, `DROP TABLE ${table}`);
    const rows = await readOnly(race.warehouse, `SELECT value FROM ${table}`);
    expect(race.ran()).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(SECRET_TEXT);
    expect(rows).toEqual([{ value: 'harmless' }]);
    expect(await w.describeTable({ schema: 'main', table: secretFile })).toBeUndefined();
  });

  it('keeps no verdict from one query to the next: a table dropped between two queries is refused, not read as the file', async () => {
    await w.execute(`CREATE TABLE ${table} AS SELECT 'harmless' AS value`);
    const sql = `SELECT value FROM ${table}`;
    expect(await readOnly(w, sql)).toEqual([{ value: 'harmless' }]);
    await w.execute(`DROP TABLE ${table}`);
    const rows = await readOnly(w, sql);
    expect(JSON.stringify(rows)).not.toContain(SECRET_TEXT);
    expect(rows).toEqual([{ error: expect.stringContaining('does not exist') as string }]);
  });

  it('sees a view replaced by a table between two queries, with its new rows (no stale snapshot kept)', async () => {
    await w.execute("CREATE OR REPLACE VIEW main.portal AS SELECT 'old' AS value");
    expect(await readOnly(w, 'SELECT value FROM portal')).toEqual([{ value: 'old' }]);
    await w.execute("DROP VIEW main.portal; CREATE TABLE main.portal AS SELECT 'new' AS value");
    expect(await readOnly(w, 'SELECT value FROM portal')).toEqual([{ value: 'new' }]);
    await w.execute('DROP TABLE main.portal');
    expect(await readOnly(w, 'SELECT value FROM portal')).toEqual([
      { error: expect.stringContaining('portal does not exist') as string },
    ]);
  });
});
