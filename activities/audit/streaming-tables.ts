import { auditTable } from './audit-table';

/** Per topic partition: the next offset the warehouse expects (committed with the rows). */
export const STREAM_OFFSETS = auditTable(
  'stream_offsets',
  { topic: 'VARCHAR', kafka_partition: 'BIGINT', next_offset: 'BIGINT', updated_at: 'TIMESTAMPTZ' },
  ['topic', 'kafka_partition'],
);

/** Per topic partition: the highest raw offset merged into staging. */
export const STREAM_MERGED = auditTable(
  'stream_merged',
  { topic: 'VARCHAR', kafka_partition: 'BIGINT', merged_offset: 'BIGINT', merged_at: 'TIMESTAMPTZ' },
  ['topic', 'kafka_partition'],
);

/** Per check: lag, latency percentiles, throughput and delay behind the source (seconds) of every streamed topic. */
export const STREAM_METRICS = auditTable('stream_metrics', {
  checked_at: 'TIMESTAMPTZ',
  topic: 'VARCHAR',
  total_lag: 'BIGINT',
  lag: 'VARCHAR',
  raw_p50_ms: 'BIGINT',
  raw_p95_ms: 'BIGINT',
  raw_p99_ms: 'BIGINT',
  staging_p50_ms: 'BIGINT',
  staging_p95_ms: 'BIGINT',
  staging_p99_ms: 'BIGINT',
  events_per_second: 'BIGINT',
  raw_delay_seconds: 'DOUBLE',
  staging_delay_seconds: 'DOUBLE',
});

/** The columns migration 4 added to `audit.stream_metrics`: how far behind the source raw and staging are. */
export const STREAM_METRICS_DELAY_COLUMNS = ['raw_delay_seconds', 'staging_delay_seconds'] as const;
