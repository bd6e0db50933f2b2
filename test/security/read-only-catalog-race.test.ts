import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { queryReadOnly } from '../../activities/warehouse/duckdb/duckdb-read-only-query';
import type { Row, SqlValue, Warehouse, WarehouseSession } from '../../activities/warehouse/warehouse';
import { tmpDir } from '../helpers/tmp';

const SECRET_TEXT = 'RACE-SECRET-FILE-CONTENT';

/** Whether a statement reads the catalog listings the read-only check consults. */
const listsCatalog = (sql: string): boolean => /duckdb_(tables|views)\(\)/i.test(sql);

/**
 * The warehouse as the read-only check sees it, except that right after the check has read the catalog,
 * another connection drops `dropped` (a transform replacing its tables does so at any time).
 */
function droppingAfterCatalogRead(w: DuckDbWarehouse, dropped: string): Warehouse {
  let armed = true;
  const afterRead = async (sql: string): Promise<void> => {
    if (armed && listsCatalog(sql)) {
      armed = false;
      await w.execute(`DROP TABLE ${dropped}`);
    }
  };
  const wrap = <S extends WarehouseSession>(s: S): S =>
    new Proxy(s, {
      get(target, key, receiver) {
        if (key === 'query') {
          return async (sql: string, params?: readonly SqlValue[]): Promise<Row[]> => {
            const rows = await target.query(sql, params);
            await afterRead(sql);
            return rows;
          };
        }
        if (key === 'transaction') {
          return <T>(fn: (tx: WarehouseSession) => Promise<T>) =>
            (target as unknown as Warehouse).transaction((tx) => fn(wrap(tx)));
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return wrap(w);
}

describe('the read-only check and the SELECT see the same catalog', () => {
  const dir = tmpDir('edp-security-race-');
  const secretFile = join(dir, 'keys.csv');
  let w: DuckDbWarehouse;

  beforeAll(async () => {
    writeFileSync(secretFile, `key,value\npayload,${SECRET_TEXT}\n`);
    w = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
  });
  afterAll(() => w.close());

  it('never reads the file a table was named after when the table is dropped between the check and the SELECT', async () => {
    // A table named like the file: the check lets it through, being a table; once dropped, DuckDB would
    // take the same name for the file.
    const table = `"${secretFile}"`;
    await w.execute(`CREATE TABLE ${table} AS SELECT 'harmless' AS value`);
    const rows = await queryReadOnly(droppingAfterCatalogRead(w, table), `SELECT value FROM ${table}`).catch(
      (err: Error) => [{ error: err.message }],
    );
    expect(JSON.stringify(rows)).not.toContain(SECRET_TEXT);
    expect(rows).toEqual([{ value: 'harmless' }]);
    expect(await w.describeTable({ schema: 'main', table: secretFile })).toBeUndefined();
  });
});
