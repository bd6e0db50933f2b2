import { streamingSchema } from '../../../../lib/config/streaming-schema';

const members = {
  topic: 'edp.members.cdc',
  table: 'member_updates',
  format: 'debezium',
  columns: { member_id: 'string', first_name: 'string', plan_id: 'string', updated_at: 'timestamp' },
  key: ['member_id'],
};
const statuses = {
  topic: 'edp.claim-status.cdc',
  table: 'claim_status_events',
  format: 'debezium',
  columns: { event_id: 'string', claim_id: 'string', status: 'string', updated_at: 'timestamp' },
  key: ['event_id'],
};
const claimStatus = {
  name: 'claim_status',
  key: 'claim_id',
  status: 'status',
  stream: { topic: 'edp.claim-status.cdc', changedAt: 'updated_at' },
  batch: { table: 'operational_claim_status_events', changedAt: 'updated_at' },
};

/** The messages of a refused streaming section, one per issue as `path: message`. */
function problems(section: unknown): string[] {
  const r = streamingSchema.safeParse(section);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('streaming history config', () => {
  it('takes a topic history with tracked columns and a status history fed by a topic and a batch table', () => {
    const s = streamingSchema.parse({
      topics: [{ ...members, history: { track: ['first_name', 'plan_id'] } }, statuses],
      statusHistory: [claimStatus],
    });
    expect(s.topics[0].history).toEqual({ track: ['first_name', 'plan_id'] });
    expect(s.statusHistory).toEqual([claimStatus]);
  });

  it('refuses tracked columns that are the key or not columns, and a status history naming an unknown topic or column', () => {
    expect(problems({ topics: [{ ...members, history: { track: ['member_id', 'nope'] } }] })).toEqual([
      'topics.0.history.track.0: "member_id" is not a non-key column',
      'topics.0.history.track.1: "nope" is not a non-key column',
    ]);
    expect(
      problems({ topics: [statuses], statusHistory: [{ ...claimStatus, stream: { topic: 'x', changedAt: 'at' } }] }),
    ).toEqual(['statusHistory.0.stream.topic: no topic "x"']);
    expect(
      problems({
        topics: [statuses],
        statusHistory: [{ ...claimStatus, stream: { topic: 'claim_status_events', changedAt: 'at' } }],
      }),
    ).toEqual(['statusHistory.0.stream: "at" is not a column of the topic']);
  });
});
