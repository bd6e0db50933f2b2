import type { Admin } from 'kafkajs';
import { waitUntil } from '../infra/process';

/**
 * Creates the topics of `topics` that do not exist yet and waits until every partition of each has a
 * leader. kafkajs' own `waitForLeaders` fails with "This server does not host this topic-partition" when a
 * busy broker answers before the new topic's metadata reached its cache; here that is waited out.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: readonly string[],
  numPartitions: number,
  timeoutMs = 60_000,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0)
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: false });
  await waitUntil(
    () =>
      admin.fetchTopicMetadata({ topics: [...topics] }).then(
        (m) => m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
        () => false,
      ),
    `leaders of ${topics.join(', ')}`,
    timeoutMs,
  );
}
