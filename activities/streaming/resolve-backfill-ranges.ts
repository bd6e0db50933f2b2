import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../errors';
import { kafkaClient } from '../connections';
import { streamTopic, type StreamDeps } from './stream-deps';

/** Offsets [from, to) of one partition to replay; `next` is where the replay has got to. */
export interface BackfillRange {
  partition: number;
  from: number;
  to: number;
  next: number;
}

/** What to replay: offsets, times (ISO; resolved to offsets by Kafka's time index), or both mixed. */
export interface BackfillSpec {
  topic: string;
  fromOffset?: number;
  toOffset?: number;
  fromTime?: string;
  toTime?: string;
  /** Only these partitions (default all). */
  partitions?: number[];
}

const parseTime = (text: string, what: string): number => {
  const ms = new Date(text).getTime();
  if (Number.isNaN(ms))
    throw ApplicationFailure.nonRetryable(`${what} "${text}" is not an ISO-8601 time`, ErrorType.BadInput);
  return ms;
};

/** Resolves a backfill spec to offset ranges per partition, clamped to what the topic still holds. */
export async function resolveBackfillRanges(
  deps: Pick<StreamDeps, 'kafka' | 'streaming'>,
  spec: BackfillSpec,
): Promise<BackfillRange[]> {
  const t = streamTopic(deps, spec.topic);
  const admin = kafkaClient(deps.kafka, 'backfill-admin').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(t.topic);
    const at = async (iso: string | undefined, what: string): Promise<Map<number, number> | undefined> => {
      if (!iso) return undefined;
      const found = await admin.fetchTopicOffsetsByTimestamp(t.topic, parseTime(iso, what));
      return new Map(found.map((f) => [f.partition, Number(f.offset)]));
    };
    const fromAt = await at(spec.fromTime, 'fromTime');
    const toAt = await at(spec.toTime, 'toTime');
    const ranges: BackfillRange[] = [];
    for (const e of ends) {
      if (spec.partitions && !spec.partitions.includes(e.partition)) continue;
      const low = Number(e.low);
      const high = Number(e.high);
      const from = Math.max(low, spec.fromOffset ?? 0, fromAt?.get(e.partition) ?? low);
      const to = Math.min(high, spec.toOffset ?? high, toAt?.get(e.partition) ?? high);
      if (to > from) ranges.push({ partition: e.partition, from, to, next: from });
    }
    return ranges.sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
