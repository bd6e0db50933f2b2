import { join } from 'node:path';
import { parseRuleFile } from '../../../../activities/quality';
import { ensureStreamTables, mergeToStaging, writePartitionBatch } from '../../../../activities/streaming';
import { DuckDbWarehouse, type Warehouse } from '../../../../activities/warehouse';
import type { StreamTopicConfig } from '../../../../lib/config/schema';
import { loadConfig } from '../../../../workers/config';
import { debeziumKafkaMessages, type DebeziumChange } from '../../../helpers/cdc';
import { platformMemberRow, runPlatformModels } from '../../../helpers/platform-models';
import { loadRawRows } from '../../../helpers/raw-load';
import { tmpDir } from '../../../helpers/tmp';

const REPO = join(__dirname, '..', '..', '..', '..');
/** A landing entity's columns, as the platform's own config declares them. */
const landingColumns = (entity: string) =>
  loadConfig({ file: join(REPO, 'edp.config.yaml'), env: {} }).config.landing.entities.find((e) => e.name === entity)!
    .columns;
const topic: StreamTopicConfig = {
  topic: 'u.members',
  table: 'u_member_updates',
  format: 'debezium',
  columns: { member_id: 'string', first_name: 'string', plan_id: 'string' },
  key: ['member_id'],
};
/** A delete whose before image holds only the key (REPLICA IDENTITY DEFAULT) fails the plan rule. */
const rules = parseRuleFile(
  [
    `table: staging.${topic.table}`,
    'key: [member_id]',
    'rules:',
    '  - { name: plan_present, type: mandatory, columns: [plan_id], quarantine: true }',
  ].join('\n'),
  'members.yml',
);

let w: Warehouse;
beforeAll(async () => {
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'u.duckdb') });
});
afterAll(() => w.close());

/** Builds stg_members alone, reading the stream table; its rows. */
async function stgMembers(): Promise<unknown[]> {
  const vars = { as_of_date: '2026-06-01', stream_tables: { members: topic.table } };
  await runPlatformModels(w, ['stg_members'], vars, 'quarantined-delete');
  return (await w.query('SELECT member_id, plan_id FROM staging.stg_members ORDER BY 1')).map(Object.values);
}

describe('a quarantined streamed delete in the batch and stream union', () => {
  it('removes no member from stg_members, while a delete that passes the rules does', async () => {
    await loadRawRows(w, {
      table: 'members',
      columns: landingColumns('members'),
      required: ['member_id'],
      rows: ['M1', 'M2'].map(platformMemberRow),
      audit: { _edp_interval_start: { value: '2026-03-01T00:00:00Z', type: 'timestamp' } },
    });
    await ensureStreamTables(w, topic);
    const now = Date.now() + 60_000; // after the batch load
    const changes: DebeziumChange[] = [
      { op: 'd', lsn: 1, tsMs: now, row: { member_id: 'M1', first_name: null, plan_id: null } },
      { op: 'd', lsn: 2, tsMs: now, row: { member_id: 'M2', first_name: 'Ann', plan_id: 'PLN-GOLD' } },
    ];
    await writePartitionBatch(w, topic, 0, debeziumKafkaMessages(topic.table, changes));
    await mergeToStaging(w, topic, { rules });
    expect(await stgMembers()).toEqual([['M1', 'PLN-GOLD']]);
  });
});
