import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(
    f.config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${opts.host}:${opts.controllerPort}`,
      `listeners=PLAINTEXT://${opts.host}:${opts.port},CONTROLLER://${opts.host}:${opts.controllerPort}`,
      `advertised.listeners=PLAINTEXT://${opts.host}:${opts.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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
  writeFileSync(
    f.log4j,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka=WARN',
      'log4j.logger.org.apache.kafka=WARN',
      '',
    ].join('\n'),
  );
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
    const fmt = spawnSync('java', [...javaArgs, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', f.config], {
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
    ready: () => portOpen(opts.host, opts.port),
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
