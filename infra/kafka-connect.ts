import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureJava, ensureKafkaConnect } from './install';
import { consoleLog4j } from './kafka';
import { runningPid, ServiceError, startDaemon, stopDaemon } from './process';

/** Where and how the Kafka Connect worker (distributed mode, one node) runs. */
export interface KafkaConnectOptions {
  /** Folder for config, pid and log files. */
  dir: string;
  /** The broker the worker keeps its configs, offsets and statuses in (`host:port`). */
  bootstrap: string;
  /** The REST port on 127.0.0.1. */
  port: number;
  /** Connect group id; its three internal topics are named after it. */
  groupId?: string;
  heap?: string;
  cacheDir?: string;
  log?: (message: string) => void;
}

const files = (dir: string) => ({
  pidFile: join(dir, 'kafka-connect.pid'),
  logFile: join(dir, 'kafka-connect.log'),
  config: join(dir, 'connect-distributed.properties'),
  log4j: join(dir, 'log4j.properties'),
});

/** The worker's REST base URL. */
export const connectUrl = (port: number): string => `http://127.0.0.1:${port}`;

function writeConfig(opts: KafkaConnectOptions, plugins: string): void {
  const f = files(opts.dir);
  const group = opts.groupId ?? 'edp-connect';
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(
    f.config,
    [
      `bootstrap.servers=${opts.bootstrap}`,
      `group.id=${group}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      `config.storage.topic=${group}-configs`,
      `offset.storage.topic=${group}-offsets`,
      `status.storage.topic=${group}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'offset.storage.partitions=1',
      'status.storage.replication.factor=1',
      'status.storage.partitions=1',
      // Records and source offsets commit in one Kafka transaction (KIP-618): after a kill -9 the
      // connector resumes from the last committed position and the records after it were aborted,
      // so a read_committed consumer sees each change once.
      'exactly.once.source.support=enabled',
      'offset.flush.interval.ms=1000',
      // One worker: after it loses its group membership (a broker outage longer than the session timeout)
      // there is no departed worker worth waiting for, so its connectors and tasks are reassigned at the
      // next rebalance instead of staying UNASSIGNED for the default five minutes.
      'scheduled.rebalance.max.delay.ms=0',
      `listeners=http://127.0.0.1:${opts.port}`,
      'rest.advertised.host.name=127.0.0.1',
      `rest.advertised.port=${opts.port}`,
      `plugin.path=${plugins}`,
      // Connector passwords stay out of the config topic: `${env:VAR}` or `${dir:/folder:file}`.
      'config.providers=env,dir',
      'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      '',
    ].join('\n'),
  );
  writeFileSync(
    f.log4j,
    consoleLog4j({
      'org.apache.kafka': 'WARN',
      'org.apache.kafka.connect.runtime.WorkerSourceTask': 'INFO',
      'org.reflections': 'ERROR',
      'org.eclipse.jetty': 'WARN',
      'io.debezium': 'INFO',
    }),
  );
}

/** True when the worker answers its REST API and has joined its group (it lists connectors). */
async function restReady(port: number): Promise<boolean> {
  try {
    const res = await fetch(`${connectUrl(port)}/connectors`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts the Kafka Connect worker with the Debezium plugin on 127.0.0.1 (installing both first); a no-op when it runs. */
export async function startKafkaConnect(opts: KafkaConnectOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const f = files(opts.dir);
  const install = ensureKafkaConnect(opts.cacheDir, opts.log);
  if (runningPid(f.pidFile) === undefined) {
    ensureJava();
    writeConfig(opts, install.plugins);
  }
  return startDaemon({
    name: `Kafka Connect on 127.0.0.1:${opts.port}`,
    command: 'java',
    args: [
      `-Xmx${opts.heap ?? '512m'}`,
      '-XX:+UseSerialGC',
      `-Dlog4j.configuration=file:${f.log4j}`,
      '-cp',
      `${install.libs}/*`,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      f.config,
    ],
    pidFile: f.pidFile,
    logFile: f.logFile,
    ready: () => restReady(opts.port),
    readyTimeoutMs: 120_000,
  });
}

/** Stops the worker started from `dir`; false when none was running. */
export function stopKafkaConnect(dir: string): Promise<boolean> {
  return stopDaemon(files(dir).pidFile, 30_000);
}

/** The pid of the worker started from `dir`, if it runs. */
export function kafkaConnectPid(dir: string): number | undefined {
  return runningPid(files(dir).pidFile);
}

/** The worker's log file under `dir`. */
export const kafkaConnectLog = (dir: string): string => files(dir).logFile;

/** Calls the worker's REST API; returns the parsed body (undefined for 204/404), throwing on other errors. */
export async function connectRequest<T>(
  port: number,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T | undefined> {
  let res: Response;
  try {
    res = await fetch(`${connectUrl(port)}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new ServiceError(
      `Kafka Connect on ${connectUrl(port)} is not reachable (${(err as Error).message}). How to fix: npx edp up`,
    );
  }
  if (res.status === 404 || res.status === 204) return undefined;
  const text = await res.text();
  if (!res.ok) throw new ServiceError(`Kafka Connect ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T | undefined;
}
