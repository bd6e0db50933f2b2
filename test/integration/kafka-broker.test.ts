import { Kafka, logLevel } from 'kafkajs';
import { testServices } from '../setup/test-services';

/** The KRaft broker that infra/ installs from Maven Central and starts: kafkajs can create, produce and consume. */
describe('Kafka 3.9 broker started by infra/', () => {
  it('round-trips keyed messages through a topic, in order per partition', async () => {
    const kafka = new Kafka({
      clientId: 'edp-test',
      brokers: [testServices().kafkaBroker],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'edp-test-group' });
    const topic = `edp-test-${Date.now()}`;
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      await producer.connect();
      const sent = Array.from({ length: 100 }, (_, i) => ({
        key: `member-${i % 7}`,
        value: JSON.stringify({ seq: i }),
      }));
      await producer.send({ topic, messages: sent });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: Array<{ key: string; seq: number }> = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${received.length}/100 messages`)), 60_000);
        void consumer.run({
          eachMessage: ({ message }) => {
            received.push({
              key: message.key!.toString(),
              seq: (JSON.parse(message.value!.toString()) as { seq: number }).seq,
            });
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        });
      });
      expect(received.map((r) => r.seq).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
      for (let k = 0; k < 7; k++) {
        const seqs = received.filter((r) => r.key === `member-${k}`).map((r) => r.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // one key → one partition → in order
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(100);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
