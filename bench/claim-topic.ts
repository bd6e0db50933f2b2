import type { StreamTopicConfig } from '../lib/config/schema';

/** The streaming benches' claims topic `name` (JSON events keyed by claim, event time from `event_time`). */
export const claimTopic = (name: string): StreamTopicConfig => ({
  topic: name,
  table: name.replace(/[.-]/g, '_'),
  format: 'json',
  columns: {
    event_id: 'string',
    claim_id: 'string',
    member_id: 'string',
    status: 'string',
    amount: 'decimal',
    event_time: 'timestamp',
  },
  key: ['claim_id'],
  eventTime: 'event_time',
});
