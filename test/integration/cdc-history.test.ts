import type { StatusHistoryConfig, StreamTopicConfig } from '../../lib/config/schema';
import { createStreamIngestActivities, mergeToStaging, scd2Columns, type StreamDeps } from '../../activities/streaming';
import type { Warehouse } from '../../activities/warehouse';
import { memberHistoryTopic, produceDebezium, type DebeziumChange } from '../helpers/cdc';
import { describeEngines } from '../helpers/engines';
import { consumeUntil, testKafka, testStreaming } from '../helpers/streams';
import { loadRawRows } from '../helpers/raw-load';

/** A scripted source change: what Debezium would emit for one row, and where it lands on the topic. */
interface Change extends Omit<DebeziumChange, 'tsMs' | 'row'> {
  at: string;
  row: Record<string, string | null>;
  partition: number;
}

/** Apart from earlier runs' topics on a broker whose data outlived them. */
const RUN = Date.now().toString(36);

const at = (hhmm: string) => `2026-03-02T${hhmm}:00.000Z`;
const member = (plan: string, updated: string) => ({
  member_id: 'M0000001',
  first_name: 'Ann',
  last_name: 'Lee',
  plan_id: plan,
  updated_at: updated,
});

/**
 * Member changes in delivery order, in three deliveries: a later update (LSN 300, only the untracked
 * `updated_at` changes) arrives before the update it follows (LSN 200, on another partition), that
 * update is delivered twice, and after a delete the member is inserted again with the same values.
 */
const MEMBER_DELIVERIES: Change[][] = [
  [
    { op: 'c', lsn: 100, at: at('10:00'), row: member('PLN-GOLD', at('10:00')), partition: 0, withSchema: true },
    { op: 'u', lsn: 300, at: at('10:02'), row: member('PLN-SILVER', at('10:02')), partition: 0 },
    {
      op: 'r',
      lsn: 150,
      at: at('10:00'),
      row: {
        member_id: 'M0000002',
        first_name: 'Bo',
        last_name: 'Kim',
        plan_id: 'PLN-BRONZE',
        updated_at: at('09:00'),
      },
      partition: 1,
    },
  ],
  [
    { op: 'u', lsn: 200, at: at('10:01'), row: member('PLN-SILVER', at('10:01')), partition: 1, withSchema: true },
    { op: 'd', lsn: 400, at: at('10:03'), row: member('PLN-SILVER', at('10:02')), partition: 0 },
  ],
  [
    { op: 'u', lsn: 200, at: at('10:01'), row: member('PLN-SILVER', at('10:01')), partition: 0 },
    { op: 'c', lsn: 500, at: at('10:04'), row: member('PLN-SILVER', at('10:04')), partition: 0 },
  ],
];

/** The member history the script gives, whatever the delivery order. */
const MEMBER_HISTORY = [
  ['M0000001', 1, 'PLN-GOLD', at('10:00'), at('10:01'), false, 100],
  ['M0000001', 2, 'PLN-SILVER', at('10:01'), at('10:03'), false, 200],
  ['M0000001', 3, 'PLN-SILVER', at('10:04'), null, true, 500],
  ['M0000002', 1, 'PLN-BRONZE', at('10:00'), null, true, 150],
];

const statusEvent = (id: string, claim: string, status: string, updated: string) => ({
  event_id: id,
  claim_id: claim,
  status,
  amount: '120.50',
  updated_at: updated,
});

/** Claim status changes by stream: `paid` overtakes `adjudicated`, `submitted` comes twice. */
const STATUS_DELIVERIES: Change[][] = [
  [
    { op: 'c', lsn: 1000, at: at('11:00'), row: statusEvent('E1', 'C1', 'submitted', at('11:00')), partition: 0 },
    { op: 'c', lsn: 1200, at: at('11:20'), row: statusEvent('E3', 'C1', 'paid', at('11:20')), partition: 0 },
  ],
  [
    { op: 'c', lsn: 1000, at: at('11:00'), row: statusEvent('E1', 'C1', 'submitted', at('11:00')), partition: 1 },
    { op: 'c', lsn: 1100, at: at('11:10'), row: statusEvent('E2', 'C1', 'adjudicated', at('11:10')), partition: 1 },
  ],
  [],
];

/** The same source events as extracted by batch ingest (run `run-1`), plus a claim only the batch saw. */
const BATCH_EVENTS = [
  statusEvent('E1', 'C1', 'submitted', at('11:00')),
  statusEvent('E2', 'C1', 'adjudicated', at('11:10')),
  statusEvent('E9', 'C2', 'submitted', at('11:05')),
];

/** Loads rows into `raw.<table>` with the loader and audit columns batch ingest's SQL extract uses. */
async function loadBatch(w: Warehouse, table: string, rows: object[], runId: string): Promise<void> {
  await loadRawRows(w, {
    table,
    columns: { event_id: 'string', claim_id: 'string', status: 'string', amount: 'decimal', updated_at: 'timestamp' },
    required: ['event_id', 'claim_id'],
    rows,
    audit: {
      _edp_run_id: { value: runId, type: 'string' },
      _edp_source: { value: 'operational.public.claim_status_events', type: 'string' },
      _edp_interval_start: { value: '2026-03-02T08:00:00Z', type: 'timestamp' },
    },
    sourceName: 'operational.public.claim_status_events',
  });
}

/** The topics and status history of one run of the script. */
function scenario(name: string): {
  members: StreamTopicConfig;
  statuses: StreamTopicConfig;
  history: StatusHistoryConfig;
} {
  const prefix = name.replace(/-/g, '_');
  const members = memberHistoryTopic(`${name}.members`, `${prefix}_members`);
  const statuses: StreamTopicConfig = {
    topic: `${name}.claim-status`,
    table: `${prefix}_claim_status_events`,
    format: 'debezium',
    columns: { event_id: 'string', claim_id: 'string', status: 'string', amount: 'decimal', updated_at: 'timestamp' },
    key: ['event_id'],
  };
  const history: StatusHistoryConfig = {
    name: `${prefix}_claim_status`,
    key: 'claim_id',
    status: 'status',
    stream: { topic: statuses.topic, changedAt: 'updated_at' },
    batch: { table: `${prefix}_batch_claim_status_events`, changedAt: 'updated_at' },
  };
  return { members, statuses, history };
}

/** Produces one delivery of scripted changes to the real broker, each on its stated partition. */
const deliver = (topic: StreamTopicConfig, changes: Change[]): Promise<void> =>
  produceDebezium(
    topic.topic,
    topic.table,
    changes.map((c) => ({ ...c, tsMs: Date.parse(c.at) })),
    2,
  );

/** Rows of a query as arrays of plain values (timestamps as ISO text, numbers as numbers). */
async function rowsOf(w: Warehouse, sql: string): Promise<unknown[][]> {
  const plain = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(v)) return new Date(v).toISOString();
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    return v;
  };
  return (await w.query(sql)).map((r) => Object.values(r).map(plain));
}

describeEngines('CDC history on %s (real Kafka broker)', (engine) => {
  const run = async (
    name: string,
    passSeconds: number,
    extra?: (w: Warehouse, s: ReturnType<typeof scenario>) => Promise<void>,
  ) => {
    const s = scenario(`${name}-${engine.name}-${RUN}`);
    const w = await engine.open(name.replace(/-/g, '_'));
    const deps: StreamDeps = {
      warehouse: w,
      kafka: testKafka(),
      streaming: { ...testStreaming([s.members, s.statuses]), statusHistory: [s.history] },
    };
    const acts = createStreamIngestActivities(deps);
    await loadBatch(w, s.history.batch!.table, BATCH_EVENTS, 'run-1');
    for (const [i, delivery] of MEMBER_DELIVERIES.entries()) {
      await deliver(s.members, delivery);
      await deliver(s.statuses, STATUS_DELIVERIES[i]);
      for (const [t, n] of [
        [s.members, delivery.length],
        [s.statuses, STATUS_DELIVERIES[i].length],
      ] as const) {
        const written = await consumeUntil(() => acts.consumeStream({ topic: t.topic, runSeconds: passSeconds }), n);
        expect(written).toBe(n);
      }
      await extra?.(w, s);
    }
    return { w, s };
  };
  const memberHistory = (w: Warehouse, table: string) =>
    rowsOf(
      w,
      `SELECT member_id, member_version, plan_id, valid_from, valid_to, is_current, _edp_lsn FROM history.${table}
       ORDER BY member_id, member_version`,
    );
  const transitions = (w: Warehouse, name: string) =>
    rowsOf(
      w,
      `SELECT claim_id, old_status, new_status, changed_at, source, run_id FROM history.${name}_transitions
       ORDER BY claim_id, changed_at`,
    );

  it('builds exact SCD2 versions and status transitions from out-of-order, duplicated CDC events and a batch extract', async () => {
    const { w, s } = await run('cdc-hist', 3);
    try {
      expect(await memberHistory(w, s.members.table)).toEqual(MEMBER_HISTORY);
      const [shape] = await w.query(`SELECT * FROM history.${s.members.table} LIMIT 1`);
      expect(Object.keys(shape).map((c) => c.toLowerCase())).toEqual(
        scd2Columns({ key: ['member_id'], columns: ['first_name', 'last_name', 'plan_id', 'updated_at'] }),
      );
      const [ids] = await rowsOf(
        w,
        `SELECT COUNT(DISTINCT member_version_id), COUNT(*) FROM history.${s.members.table}`,
      );
      expect(ids).toEqual([4, 4]);
      // The version a re-insert opens has the same values, so the same row hash, as the one the delete closed.
      const [hashes] = await rowsOf(
        w,
        `SELECT COUNT(DISTINCT row_hash) FROM history.${s.members.table} WHERE member_id = 'M0000001' AND member_version > 1`,
      );
      expect(hashes).toEqual([1]);

      expect(await transitions(w, s.history.name)).toEqual([
        ['C1', null, 'submitted', at('11:00'), 'batch', 'run-1'],
        ['C1', 'submitted', 'adjudicated', at('11:10'), 'batch', 'run-1'],
        ['C1', 'adjudicated', 'paid', at('11:20'), 'stream', null],
        ['C2', null, 'submitted', at('11:05'), 'batch', 'run-1'],
      ]);
      const [paid] = await rowsOf(
        w,
        `SELECT kafka_partition, kafka_offset FROM history.${s.history.name}_transitions WHERE new_status = 'paid'`,
      );
      expect(paid).toEqual([0, 1]);
      expect(
        await rowsOf(
          w,
          `SELECT claim_id, initial_status, current_status, initial_at, status_changed_at, transitions
           FROM history.${s.history.name} ORDER BY claim_id`,
        ),
      ).toEqual([
        ['C1', 'submitted', 'paid', at('11:00'), at('11:20'), 2],
        ['C2', 'submitted', 'submitted', at('11:05'), at('11:05'), 0],
      ]);

      // A second batch run repeating events the stream already delivered adds nothing.
      await loadBatch(w, s.history.batch!.table, [statusEvent('E3', 'C1', 'paid', at('11:20'))], 'run-2');
      const merged = await mergeToStaging(w, s.statuses, { statusHistories: [s.history] });
      expect(merged).toBe(0);
      expect(await transitions(w, s.history.name)).toHaveLength(4);
      expect(await rowsOf(w, `SELECT run_id FROM history.${s.history.name}__batch_runs ORDER BY 1`)).toEqual([
        ['run-1'],
        ['run-2'],
      ]);
    } finally {
      await w.close();
    }
  });

  it('gives the same history when the consumer stops mid-stream, merges are retried and two run at once', async () => {
    const undisturbed = await run('cdc-calm', 3);
    const disturbed = await run('cdc-rough', 1, async (w, s) => {
      // A retried merge and two workers merging the same topic at once (the raw rows are all merged
      // already, so this is the replay of a merge whose commit was lost): no duplicate version.
      await Promise.all([
        mergeToStaging(w, s.members, { ranges: [{ partition: 0, from: 0, to: 100 }] }),
        mergeToStaging(w, s.members, { ranges: [{ partition: 1, from: 0, to: 100 }] }),
      ]);
      await mergeToStaging(w, s.statuses, {
        ranges: [{ partition: 0, from: 0, to: 100 }],
        statusHistories: [s.history],
      });
    });
    try {
      expect(await memberHistory(disturbed.w, disturbed.s.members.table)).toEqual(
        await memberHistory(undisturbed.w, undisturbed.s.members.table),
      );
      expect(await transitions(disturbed.w, disturbed.s.history.name)).toEqual(
        await transitions(undisturbed.w, undisturbed.s.history.name),
      );
      expect(await memberHistory(disturbed.w, disturbed.s.members.table)).toEqual(MEMBER_HISTORY);
    } finally {
      await undisturbed.w.close();
      await disturbed.w.close();
    }
  });
});
