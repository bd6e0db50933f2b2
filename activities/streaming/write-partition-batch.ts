import type { KafkaMessage } from 'kafkajs';
import type { StreamTopicConfig } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';
import { messageRows, recordPosition, STREAM_OFFSETS, writeMessageRows } from './stream-tables';

/**
 * Writes messages of one partition in one warehouse transaction: accepted rows to raw, poison ones to
 * the dead-letter table, and the partition's next offset, so rows and offsets commit together. Offsets
 * below the warehouse's position are skipped; the (partition, offset) key skips any row already there.
 * Tombstones and transaction metadata are counted (`ignored`) and advance the position; so do the
 * control records up to `through` (the fetched batch's last offset) that follow the last message.
 */
export async function writePartitionBatch(
  w: Warehouse,
  t: StreamTopicConfig,
  partition: number,
  messages: readonly KafkaMessage[],
  through?: number,
): Promise<{ inserted: number; deadLetters: number; skipped: number; ignored: number; next: number }> {
  return w.transaction(async (tx) => {
    // Lock the partition's position before reading it: a second writer of the same partition (a
    // rebalance, an overlapping retry) then waits here and reads the committed floor, instead of both
    // passing the NOT EXISTS check on an engine that does not enforce keys (Snowflake).
    await tx.execute(`UPDATE ${STREAM_OFFSETS} SET next_offset = next_offset WHERE topic = ? AND kafka_partition = ?`, [
      t.topic,
      partition,
    ]);
    const [row] = await tx.query<{ o: string | number }>(
      `SELECT next_offset AS o FROM ${STREAM_OFFSETS} WHERE topic = ? AND kafka_partition = ?`,
      [t.topic, partition],
    );
    const floor = row ? Number(row.o) : 0;
    const fresh = messages.filter((m) => Number(m.offset) >= floor);
    const { rows, dead, ignored } = messageRows(t, partition, fresh, Date.now());
    const { inserted, deadLetters } = await writeMessageRows(tx, t, rows, dead);
    const last = messages.length > 0 ? Number(messages[messages.length - 1].offset) + 1 : floor;
    // Offsets after the last message up to `through` are control records (a transactional producer's
    // commit markers, e.g. Kafka Connect's exactly-once source tasks): nothing to store, and a position
    // stopping short of them would read as a lag of one message per partition forever.
    const next = Math.max(floor, last, through !== undefined && through >= last ? through + 1 : 0);
    await recordPosition(tx, STREAM_OFFSETS, t.topic, partition, next);
    return { inserted, deadLetters, skipped: messages.length - fresh.length, ignored, next };
  });
}
