import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaClient } from '../../activities/connections';
import { classifyError } from '../../activities/errors';
import { makeJavaStores, makeLocalPki, type LocalPki } from '../../infra/certificates';
import { startKafka, stopKafka } from '../../infra/kafka';
import { kafkaSchema, type KafkaConfig } from '../../lib/config/streaming-schema';
import { ConfigError } from '../../lib/errors';
import { freePort } from '../setup/test-services';
import { tmpDir } from '../helpers/tmp';

const PASSWORD = 'sasl-pw-41c9';

/**
 * A Kafka 3.9 broker of its own with a SASL_SSL listener (key and trust stores made with keytool,
 * client certificates required, PLAIN and SCRAM users): the platform's one kafkajs builder logs in with
 * each mechanism; a wrong CA, a missing or foreign client certificate and a wrong password are refused at
 * once with a non-retryable error naming the key.
 */
describe('Kafka over SASL_SSL', () => {
  const dir = tmpDir('edp-kafka-sasl-');
  let pki: LocalPki;
  let broker: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    pki = makeLocalPki(join(dir, 'pki'));
    const stores = makeJavaStores(join(dir, 'jks'), pki, 'store-pw-1');
    const [port, controllerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    await startKafka({
      dir: join(dir, 'kafka'),
      host: '127.0.0.1',
      port,
      controllerPort,
      heap: '256m',
      secure: { port: securePort, stores, clientAuth: 'required', users: [{ name: 'edp', password: PASSWORD }] },
    });
    broker = `127.0.0.1:${securePort}`;
  }, 180_000);
  afterAll(() => stopKafka(join(dir, 'kafka')));
  beforeEach(() => {
    process.env.EDP_KAFKA_SASL_PASSWORD = PASSWORD;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const kafka = (ssl: Record<string, string>, mechanism = 'scram-sha-512'): KafkaConfig =>
    kafkaSchema.parse({
      brokers: [broker],
      ssl,
      sasl: { mechanism, username: 'edp', passwordEnv: 'EDP_KAFKA_SASL_PASSWORD' },
    });
  const mtls = (): Record<string, string> => ({ caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey });

  async function refusal(config: KafkaConfig): Promise<ConfigError> {
    const admin = kafkaClient(config, 'test').admin();
    const started = Date.now();
    const err = await admin.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await admin.disconnect();
    expect(err).toBeInstanceOf(ConfigError);
    expect(Date.now() - started).toBeLessThan(10_000); // not kafkajs's minute of retries
    const failure = classifyError(err);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('EdpBadInput');
    expect((err as Error).message).not.toContain(PASSWORD);
    return err as ConfigError;
  }

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    'logs in with %s and the client certificate',
    async (mechanism) => {
      const admin = kafkaClient(kafka(mtls(), mechanism), 'test').admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: `sasl-${mechanism}`, numPartitions: 1 }], waitForLeaders: true });
        expect(await admin.listTopics()).toContain(`sasl-${mechanism}`);
      } finally {
        await admin.disconnect();
      }
    },
  );

  it('produces and consumes through the secure listener (password from a file)', async () => {
    const passwordFile = join(dir, 'sasl-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    const config = kafkaSchema.parse({
      brokers: [broker],
      ssl: mtls(),
      sasl: { mechanism: 'scram-sha-256', username: 'edp', passwordFile },
    });
    const client = kafkaClient(config, 'test');
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'sasl-roundtrip', messages: [{ key: 'k', value: 'over SASL_SSL' }] });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: 'sasl-roundtrip' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'sasl-roundtrip', fromBeginning: true });
      const value = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: ({ message }) => Promise.resolve(resolve(String(message.value))) });
      });
      expect(value).toBe('over SASL_SSL');
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses a wrong SASL password, naming kafka.sasl.passwordEnv', async () => {
    process.env.EDP_KAFKA_SASL_PASSWORD = 'wrong-password';
    for (const mechanism of ['plain', 'scram-sha-256']) {
      const err = await refusal(kafka(mtls(), mechanism));
      expect(err.fix).toBe('kafka.sasl.passwordEnv');
      expect(err.message).not.toContain('wrong-password');
    }
  });

  it.each([
    ['a CA that did not sign the broker', 'kafka.ssl.caFile', () => ({ ...mtls(), caFile: pki.otherCaCert })],
    ['no client certificate', 'kafka.ssl.certFile', () => ({ caFile: pki.caCert })],
    [
      'a client certificate of another CA',
      'kafka.ssl.certFile',
      () => ({ caFile: pki.caCert, certFile: pki.otherClientCert, keyFile: pki.otherClientKey }),
    ],
  ])('refuses %s: non-retryable, naming %s', async (_, key, ssl) => {
    const err = await refusal(kafka(ssl()));
    expect(err.fix).toBe(key);
    expect(err.message.startsWith(`${key}: `)).toBe(true);
  });

  it('an unset password variable names its key before connecting', () => {
    delete process.env.EDP_KAFKA_SASL_PASSWORD;
    expect(() => kafkaClient(kafka(mtls()), 'test')).toThrow(
      'kafka.sasl.passwordEnv: environment variable EDP_KAFKA_SASL_PASSWORD is not set',
    );
  });
});
