import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JavaStores } from './certificates';
import { ensureJava, ensureKafkaJars } from './install';
import { portOpen, runningPid, ServiceError, startDaemon, stopDaemon } from './process';

/** Where and how the single-node KRaft broker runs. */
export interface KafkaBrokerOptions {
  /** Folder for config, data, pid and log files. */
  dir: string;
  host: string;
  port: number;
  controllerPort: number;
  /** Broker heap, e.g. `512m`. */
  heap?: string;
  cacheDir?: string;
  log?: (message: string) => void;
  /** A `SASL_SSL` listener beside the plaintext one (what MSK and Confluent Cloud offer). */
  secure?: KafkaSecureListener;
}

/** A `SASL_SSL` listener: TLS from JKS stores, SASL PLAIN and SCRAM-SHA-256/512 logins for the given users. */
export interface KafkaSecureListener {
  port: number;
  stores: JavaStores;
  /** `required`: a client must also present a certificate the trust store's CA signed. */
  clientAuth: 'required' | 'none';
  users: ReadonlyArray<{ name: string; password: string }>;
}

const jaasQuote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** server.properties lines of the secure listener (the JAAS lines hold the PLAIN users; SCRAM users live in the metadata). */
function secureLines(s: KafkaSecureListener): string[] {
  const plainUsers = s.users.map((u) => `user_${u.name}=${jaasQuote(u.password)}`).join(' ');
  return [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `ssl.keystore.location=${s.stores.keystore}`,
    `ssl.keystore.password=${s.stores.password}`,
    `ssl.key.password=${s.stores.password}`,
    `ssl.truststore.location=${s.stores.truststore}`,
    `ssl.truststore.password=${s.stores.password}`,
    // A SASL_SSL listener reads client authentication only under its own prefix (KIP-684).
    `listener.name.sasl_ssl.ssl.client.auth=${s.clientAuth}`,
  ];
}

/** StorageTool arguments that create the SCRAM credentials of the secure listener's users. */
function scramArgs(s: KafkaSecureListener | undefined): string[] {
  return (s?.users ?? []).flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]),
  );
}

const files = (dir: string) => ({
  pidFile: join(dir, 'kafka.pid'),
  logFile: join(dir, 'kafka.log'),
  config: join(dir, 'server.properties'),
  log4j: join(dir, 'log4j.properties'),
  data: join(dir, 'data'),
});

function writeConfig(opts: KafkaBrokerOptions): void {
  const f = files(opts.dir);
  const s = opts.secure;
  const secureListener = s ? `,SASL_SSL://${opts.host}:${s.port}` : '';
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(
    f.config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${opts.host}:${opts.controllerPort}`,
      `listeners=PLAINTEXT://${opts.host}:${opts.port},CONTROLLER://${opts.host}:${opts.controllerPort}${secureListener}`,
      `advertised.listeners=PLAINTEXT://${opts.host}:${opts.port}${secureListener}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${s ? ',SASL_SSL:SASL_SSL' : ''}`,
      ...(s ? secureLines(s) : []),
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${f.data}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  writeFileSync(f.log4j, consoleLog4j({ kafka: 'WARN', 'org.apache.kafka': 'WARN' }));
}

/** A reload4j configuration logging INFO and up to the console (the daemon's log file), with these loggers' levels. */
export function consoleLog4j(levels: Readonly<Record<string, string>>): string {
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ...Object.entries(levels).map(([logger, level]) => `log4j.logger.${logger}=${level}`),
    '',
  ].join('\n');
}

/** Starts a Kafka 3.9 broker in KRaft mode (formatting its storage the first time); a no-op when it runs. */
export async function startKafka(opts: KafkaBrokerOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const f = files(opts.dir);
  if (runningPid(f.pidFile) === undefined) {
    ensureJava();
    writeConfig(opts);
  }
  const libs = ensureKafkaJars(opts.cacheDir, opts.log);
  const classpath = `${libs}/*`;
  const javaArgs = [`-Xmx${opts.heap ?? '512m'}`, `-Dlog4j.configuration=file:${f.log4j}`, '-cp', classpath];
  if (!existsSync(join(f.data, 'meta.properties'))) {
    const id = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' });
    const clusterId = id.stdout.trim().split('\n').pop() ?? '';
    const format = ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', f.config, ...scramArgs(opts.secure)];
    const fmt = spawnSync('java', [...javaArgs, ...format], {
      encoding: 'utf8',
    });
    if (fmt.status !== 0) {
      throw new ServiceError(
        `formatting Kafka storage in ${f.data} failed:\n${fmt.stdout}${fmt.stderr}\nHow to fix: remove ${f.data} and retry`,
      );
    }
  }
  return startDaemon({
    name: `Kafka broker on ${opts.host}:${opts.port}`,
    command: 'java',
    args: [...javaArgs, 'kafka.Kafka', f.config],
    pidFile: f.pidFile,
    logFile: f.logFile,
    ready: async () =>
      (await portOpen(opts.host, opts.port)) &&
      (opts.secure === undefined || (await portOpen(opts.host, opts.secure.port))),
    readyTimeoutMs: 90_000,
  });
}

/** Stops the broker started from `dir`; false when none was running. */
export function stopKafka(dir: string): Promise<boolean> {
  return stopDaemon(files(dir).pidFile, 30_000);
}

/** The pid of the broker started from `dir`, if it runs. */
export function kafkaPid(dir: string): number | undefined {
  return runningPid(files(dir).pidFile);
}
