import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type KafkaConfig as KafkaJsConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaConfig } from '../../lib/config/schema';
import { ConfigError } from '../../lib/errors';
import { readSecretLine, secretKey } from './secrets';
import { tlsMaterial, tlsRefused } from './tls-material';
import { probeTls, type TlsMaterial } from './tls-probe';

/** The kafkajs settings for the `kafka` section: brokers, the TLS material read for `kafka.ssl`, the SASL login. */
function kafkaJsConfig(
  kafka: KafkaConfig,
  suffix: string,
  material: TlsMaterial | undefined,
  env: NodeJS.ProcessEnv,
): KafkaJsConfig {
  const sasl = kafka.sasl;
  const password =
    sasl === undefined
      ? undefined
      : readSecretLine('kafka.sasl.password', { env: sasl.passwordEnv, file: sasl.passwordFile }, env);
  return {
    clientId: `${kafka.clientId}-${suffix}`,
    brokers: [...kafka.brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
    ssl: material && { ...material, servername: material.serverName, rejectUnauthorized: true },
    sasl: sasl && ({ mechanism: sasl.mechanism, username: sasl.username, password: password! } as SASLOptions),
  };
}

/** Splits `host:port` (the host may be a bracketed IPv6 address). */
function hostAndPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  return { host: broker.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(broker.slice(at + 1)) };
}

/**
 * A kafkajs client whose consumers, producers and admins turn a refused TLS handshake or login into a
 * non-retryable error naming the key to change. kafkajs retries a connection error for most of a minute,
 * so the handshake is tried once before each connect (`probe`); a refused login it does not retry.
 */
class SecureKafka extends Kafka {
  constructor(
    private readonly kafka: KafkaConfig,
    config: KafkaJsConfig,
    private readonly material: TlsMaterial | undefined,
  ) {
    super(config);
  }

  private async probe(): Promise<void> {
    if (this.kafka.ssl === undefined || this.material === undefined) return;
    const broker = this.kafka.brokers[0];
    const { host, port } = hostAndPort(broker);
    const failure = await probeTls(host, port, this.material);
    if (failure) throw tlsRefused('kafka.ssl', this.kafka.ssl, failure, broker);
  }

  private explain(err: unknown): unknown {
    const sasl = this.kafka.sasl;
    if (sasl === undefined || (err as Error | undefined)?.name !== 'KafkaJSSASLAuthenticationError') return err;
    return new ConfigError(
      `the brokers refused the ${sasl.mechanism} login of user ${sasl.username} (${(err as Error).message}): check the password`,
      { fix: secretKey('kafka.sasl.password', { env: sasl.passwordEnv, file: sasl.passwordFile }), cause: err },
    );
  }

  /** Makes `client.connect()` probe TLS first and explain a refused login. */
  private guarded<C extends Consumer | Producer | Admin>(client: C): C {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      await this.probe();
      try {
        await connect();
      } catch (err) {
        throw this.explain(err);
      }
    };
    return client;
  }

  override consumer(...args: Parameters<Kafka['consumer']>): Consumer {
    return this.guarded(super.consumer(...args));
  }

  override producer(...args: Parameters<Kafka['producer']>): Producer {
    return this.guarded(super.producer(...args));
  }

  override admin(...args: Parameters<Kafka['admin']>): Admin {
    return this.guarded(super.admin(...args));
  }
}

/**
 * The one kafkajs client builder (consumers, producers, admin, the monitor): the configured brokers with
 * TLS and SASL, quiet (errors surface through the caller). Missing secrets, a refused certificate and a
 * refused login are {@link ConfigError}s naming the key.
 */
export function kafkaClient(kafka: KafkaConfig, suffix: string, env: NodeJS.ProcessEnv = process.env): Kafka {
  const material = kafka.ssl === undefined ? undefined : tlsMaterial('kafka.ssl', kafka.ssl, env);
  return new SecureKafka(kafka, kafkaJsConfig(kafka, suffix, material, env), material);
}
