/** What one `consumeStream` run did. */
export interface ConsumeResult {
  topic: string;
  /** Messages read from Kafka (including redeliveries skipped). */
  messages: number;
  rowsInserted: number;
  deadLetters: number;
  /** Messages at offsets the warehouse already had (redelivered after a crash or rebalance). */
  skipped: number;
  /** Messages with nothing to store (Debezium tombstones, transaction metadata); absent in results of older runs. */
  ignored?: number;
  merged: number;
  /** The warehouse's next offset per partition when the run ended. */
  positions: Record<string, number>;
}

/** A {@link ConsumeResult} with nothing counted yet. */
export function emptyConsumeResult(topic: string): ConsumeResult {
  return { topic, messages: 0, rowsInserted: 0, deadLetters: 0, skipped: 0, merged: 0, positions: {} };
}
