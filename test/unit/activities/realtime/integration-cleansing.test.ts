import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { integrationSelect } from '../../../../activities/realtime';
import { DuckDbWarehouse, type Warehouse } from '../../../../activities/warehouse';
import { realtimeTableSchema } from '../../../../lib/config/realtime-schema';
import { tmpDir } from '../../../helpers/tmp';

const table = {
  name: 'members_now',
  columns: ['member_id', 'first_name'],
  history: { table: 'raw.members_batch', changedAt: '_edp_loaded_at' },
  changes: { table: 'staging.member_changes', changedAt: '_edp_merged_at', rename: { first_name: 'name' } },
  sql: 'select * from {{ integration }}',
};
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

let w: Warehouse;
beforeAll(async () => {
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'i.duckdb') });
  for (const s of ['raw', 'staging', 'integration']) await w.execute(`CREATE SCHEMA ${s}`);
  await w.execute('CREATE TABLE raw.members_batch (member_id VARCHAR, first_name VARCHAR, _edp_loaded_at TIMESTAMPTZ)');
  await w.execute('CREATE TABLE staging.member_changes (member_id VARCHAR, name VARCHAR, _edp_merged_at TIMESTAMPTZ)');
  await w.execute(`INSERT INTO raw.members_batch VALUES (?, ?, now()), (?, ?, now())`, [
    'M1',
    ' Ann\u0007\tLee\u00a0',
    'M3',
    'Cy',
  ]);
  await w.execute(`INSERT INTO staging.member_changes VALUES (?, ?, now()), (?, ?, now()), (NULL, ?, now())`, [
    'M1',
    'Ann\r\nLee',
    'M2',
    'Bo\ufffd\u0085\u001b ',
    'Nobody',
  ]);
});
afterAll(() => w.close());

describe('integration view cleansing and record id', () => {
  it('removes unprintable characters, makes whitespace characters spaces, trims, and gives a record the same id on both sides', async () => {
    const t = realtimeTableSchema.parse({
      ...table,
      cleanse: ['first_name'],
      recordId: { key: ['member_id'], source: 'operational.members' },
    });
    await w.execute(`CREATE OR REPLACE VIEW integration.members_now AS ${integrationSelect(w.dialect, t)}`);
    const rows = await w.query<Record<string, string | null>>(
      `SELECT member_id, first_name, record_id, _edp_source FROM integration.members_now ORDER BY _edp_source, member_id`,
    );
    expect(rows).toEqual([
      { member_id: 'M1', first_name: 'Ann  Lee', record_id: md5('operational.members|vM1'), _edp_source: 'changes' },
      { member_id: 'M2', first_name: 'Bo', record_id: md5('operational.members|vM2'), _edp_source: 'changes' },
      { member_id: null, first_name: 'Nobody', record_id: md5('operational.members|n'), _edp_source: 'changes' },
      { member_id: 'M1', first_name: 'Ann Lee', record_id: md5('operational.members|vM1'), _edp_source: 'history' },
      { member_id: 'M3', first_name: 'Cy', record_id: md5('operational.members|vM3'), _edp_source: 'history' },
    ]);
  });

  it('leaves columns as they are without the options, and defaults the record id source to the table name', async () => {
    const plain = realtimeTableSchema.parse(table);
    expect(plain.cleanse).toEqual([]);
    expect(integrationSelect(w.dialect, plain)).not.toMatch(/TRANSLATE|md5/);
    const t = realtimeTableSchema.parse({ ...table, recordId: { key: ['member_id'], column: 'member_record_id' } });
    await w.execute(`CREATE OR REPLACE VIEW integration.members_plain AS ${integrationSelect(w.dialect, t)}`);
    const rows = await w.query<Record<string, string>>(
      `SELECT first_name, member_record_id FROM integration.members_plain WHERE member_id = 'M1' ORDER BY _edp_source`,
    );
    expect(rows).toEqual([
      { first_name: 'Ann\r\nLee', member_record_id: md5('members_now|vM1') },
      { first_name: ' Ann\u0007\tLee\u00a0', member_record_id: md5('members_now|vM1') },
    ]);
  });

  it.each([
    [{ cleanse: ['last_name'] }, 'cleanse.0', '"last_name" is not one of columns'],
    [{ recordId: { key: ['plan_id'] } }, 'recordId.key.0', '"plan_id" is not one of columns'],
    [{ recordId: { key: ['member_id'], column: 'first_name' } }, 'recordId.column', 'already a column'],
  ])('refuses %j at its key', (extra, path, message) => {
    const result = realtimeTableSchema.safeParse({ ...table, ...extra });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [path, expect.stringContaining(message)],
    ]);
  });
});
