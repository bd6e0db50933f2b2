import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { queryReadOnly } from '../../activities/warehouse/duckdb/duckdb-read-only-query';
import { tmpDir } from '../helpers/tmp';

describe('the read-only check parses exactly the text that runs', () => {
  const dir = tmpDir('edp-security-text-');
  const written = join(dir, 'written.csv');
  let w: DuckDbWarehouse;

  beforeAll(async () => {
    w = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
    await w.execute("CREATE TABLE main.members AS SELECT 'M1' AS member_id, 'it''s \\ $$' AS note");
  });
  afterAll(() => w.close());

  it('answers a query whose text holds quotes, backslashes and dollar quotes', async () => {
    const sql = "SELECT note, 'a''b\\' AS q, $$x'y$$ AS d FROM members WHERE member_id = 'M1' -- ' \\";
    expect(await queryReadOnly(w, sql)).toEqual([{ note: "it's \\ $$", q: "a'b\\", d: "x'y" }]);
  });

  it('runs nothing a query text smuggles past a quote: it is one unparsable statement', async () => {
    const sql = `SELECT 1') AS tree; COPY (SELECT 1) TO '${written}'; SELECT ('`;
    await expect(queryReadOnly(w, sql)).rejects.toThrow(/cannot parse|send one SELECT/);
    expect(existsSync(written)).toBe(false);
  });

  it('refuses a NUL character by name (DuckDB would stop reading the text there)', async () => {
    const sql = `SELECT member_id FROM members\0; COPY (SELECT 1) TO '${written}'`;
    await expect(queryReadOnly(w, sql)).rejects.toThrow('the query contains a NUL character');
    expect(existsSync(written)).toBe(false);
  });
});
