import { join } from 'node:path';
import { parseRuleFile } from '../../../../activities/quality';
import {
  ensureStreamTables,
  mergeToStaging,
  quarantinedEventsTable,
  writePartitionBatch,
} from '../../../../activities/streaming';
import { DuckDbWarehouse, type Warehouse } from '../../../../activities/warehouse';
import type { StatusHistoryConfig, StreamTopicConfig } from '../../../../lib/config/schema';
import { debeziumKafkaMessages, type DebeziumChange } from '../../../helpers/cdc';
import { tmpDir } from '../../../helpers/tmp';

const topic: StreamTopicConfig = {
  topic: 'q.members',
  table: 'q_members',
  format: 'debezium',
  columns: { member_id: 'string', plan_id: 'string', status: 'string', updated_at: 'timestamp' },
  key: ['member_id'],
  history: { track: ['plan_id'] },
};
const statuses: StatusHistoryConfig = {
  name: 'q_member_status',
  key: 'member_id',
  status: 'status',
  stream: { topic: topic.topic, changedAt: 'updated_at' },
};
/** Members need a plan, and PLN-BAD is no plan: both quarantine. */
const rules = parseRuleFile(
  [
    `table: staging.${topic.table}`,
    'key: [member_id]',
    'rules:',
    '  - { name: plan_present, type: mandatory, columns: [plan_id], quarantine: true }',
    '  - { name: known_plan, type: business, expression: "plan_id <> \'PLN-BAD\'", quarantine: true }',
  ].join('\n'),
  'members.yml',
);

const at = (minute: number) => Date.parse(`2026-03-02T10:${String(minute).padStart(2, '0')}:00Z`);
const member = (id: string, plan: string | null, status: string, minute: number) => ({
  member_id: id,
  plan_id: plan,
  status,
  updated_at: new Date(at(minute)).toISOString(),
});

let w: Warehouse;
let offset = 0;

/** Query rows as arrays of values, integers as numbers. */
const rows = async (sql: string) =>
  (await w.query(sql)).map((r) =>
    Object.values(r).map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)),
  );

/** Writes changes to raw as the consumer would (partition 0, next offsets), then merges with the rules. */
async function deliverAndMerge(changes: DebeziumChange[]): Promise<void> {
  const messages = debeziumKafkaMessages(topic.table, changes, offset);
  offset += changes.length;
  await writePartitionBatch(w, topic, 0, messages);
  await mergeToStaging(w, topic, { rules, statusHistories: [statuses] });
}

beforeAll(async () => {
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'q.duckdb') });
  await ensureStreamTables(w, topic);
});
afterAll(() => w.close());

describe('quarantined change events and the histories', () => {
  it('a quarantined update opens no version and a quarantined delete closes none nor removes the key', async () => {
    await deliverAndMerge([
      { op: 'c', lsn: 100, tsMs: at(0), row: member('M1', 'PLN-GOLD', 'active', 0) },
      { op: 'c', lsn: 110, tsMs: at(1), row: member('M2', 'PLN-GOLD', 'active', 1) },
    ]);
    await deliverAndMerge([
      { op: 'u', lsn: 200, tsMs: at(2), row: member('M1', 'PLN-BAD', 'suspended', 2) },
      // REPLICA IDENTITY DEFAULT: a delete's before image holds the key alone, which the plan rule refuses.
      { op: 'd', lsn: 210, tsMs: at(3), row: { member_id: 'M2', plan_id: null, status: null, updated_at: null } },
    ]);
    await deliverAndMerge([{ op: 'u', lsn: 300, tsMs: at(4), row: member('M1', 'PLN-SILVER', 'active', 4) }]);

    expect(
      await rows(
        `SELECT member_id, member_version, plan_id, epoch_ms(valid_from), epoch_ms(valid_to), is_current
         FROM history.${topic.table} ORDER BY 1, 2`,
      ),
    ).toEqual([
      ['M1', 1, 'PLN-GOLD', at(0), at(4), false],
      ['M1', 2, 'PLN-SILVER', at(4), null, true],
      ['M2', 1, 'PLN-GOLD', at(1), null, true],
    ]);
    expect(await rows(`SELECT member_id, plan_id FROM staging.${topic.table} ORDER BY 1`)).toEqual([
      ['M1', 'PLN-SILVER'],
      ['M2', 'PLN-GOLD'],
    ]);
    // The status history skips the quarantined update's status too.
    expect(
      await rows(`SELECT member_id, old_status, new_status FROM history.q_member_status_transitions ORDER BY 1`),
    ).toEqual([
      ['M1', null, 'active'],
      ['M2', null, 'active'],
    ]);
    const q = w.dialect.table(quarantinedEventsTable(topic));
    expect(await rows(`SELECT kafka_partition, kafka_offset FROM ${q} ORDER BY 2`)).toEqual([
      [0, 2],
      [0, 3],
    ]);
  });

  it('an earlier bad event in the same micro-batch makes no version or transition and sways no later event', async () => {
    const first = offset;
    await deliverAndMerge([{ op: 'c', lsn: 400, tsMs: at(10), row: member('M11', 'PLN-GOLD', 'active', 10) }]);
    // One micro-batch: each key's bad event has a good one after it (M12: before it).
    await deliverAndMerge([
      { op: 'u', lsn: 500, tsMs: at(11), row: member('M11', 'PLN-BAD', 'suspended', 11) },
      // Back to the values before the bad event: no change, so no version and no transition.
      { op: 'u', lsn: 510, tsMs: at(12), row: member('M11', 'PLN-GOLD', 'active', 12) },
      { op: 'c', lsn: 520, tsMs: at(13), row: member('M12', 'PLN-GOLD', 'active', 13) },
      { op: 'u', lsn: 530, tsMs: at(14), row: member('M12', null, 'lapsed', 14) },
      { op: 'c', lsn: 540, tsMs: at(15), row: member('M13', 'PLN-BAD', 'pending', 15) },
      { op: 'u', lsn: 550, tsMs: at(16), row: member('M13', 'PLN-SILVER', 'active', 16) },
    ]);

    const keys = "member_id IN ('M11', 'M12', 'M13')";
    expect(
      await rows(
        `SELECT member_id, member_version, plan_id, epoch_ms(valid_from), epoch_ms(valid_to), is_current
         FROM history.${topic.table} WHERE ${keys} ORDER BY 1, 2`,
      ),
    ).toEqual([
      ['M11', 1, 'PLN-GOLD', at(10), null, true],
      ['M12', 1, 'PLN-GOLD', at(13), null, true],
      ['M13', 1, 'PLN-SILVER', at(16), null, true],
    ]);
    expect(
      await rows(
        `SELECT member_id, old_status, new_status FROM history.q_member_status_transitions WHERE ${keys} ORDER BY 1, changed_at`,
      ),
    ).toEqual([
      ['M11', null, 'active'],
      ['M12', null, 'active'],
      ['M13', null, 'active'],
    ]);
    // Staging holds each key's latest event the rules kept: M12's good insert, not nothing.
    expect(
      await rows(`SELECT member_id, plan_id, status FROM staging.${topic.table} WHERE ${keys} ORDER BY 1`),
    ).toEqual([
      ['M11', 'PLN-GOLD', 'active'],
      ['M12', 'PLN-GOLD', 'active'],
      ['M13', 'PLN-SILVER', 'active'],
    ]);
    const q = w.dialect.table(quarantinedEventsTable(topic));
    expect(await rows(`SELECT kafka_offset FROM ${q} WHERE kafka_offset > ${first} ORDER BY 1`)).toEqual([
      [first + 1],
      [first + 4],
      [first + 5],
    ]);
    // Each refused event is in the rule's error table, named by its key.
    expect(
      await rows(
        `SELECT DISTINCT row_key FROM staging.${topic.table}__quality_errors WHERE row_key IN ('M11', 'M12', 'M13') ORDER BY 1`,
      ),
    ).toEqual([['M11'], ['M12'], ['M13']]);
  });
});
