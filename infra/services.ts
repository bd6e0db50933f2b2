import { join } from 'node:path';
import type { EdpConfig } from '../workers/config-schema';
import {
  defaultCacheDir,
  ensureKafkaConnect,
  ensureKafkaJars,
  ensureTemporalBinaries,
  ensureTemporalServer,
} from './install';
import { kafkaConnectPid, startKafkaConnect, stopKafkaConnect } from './kafka-connect';
import { kafkaPid, startKafka, stopKafka } from './kafka';
import { ensureDatabase, postgresPid, startPostgres, stopPostgres } from './postgres';
import { portOpen } from './process';
import { startTemporal, stopTemporal, temporalPid } from './temporal';
import {
  clusterServicePid,
  type ClusterService,
  defaultClusterPorts,
  localClusterTls,
  startTemporalCluster,
  stopTemporalCluster,
} from './temporal-cluster';
import { ConfigError } from '../lib/errors';
import { codecKeysFor } from '../workers/payload-codec';

/** The local services `edp up` manages. */
export type ServiceName = 'temporal' | 'kafka' | 'postgres' | 'kafka-connect';

/** A PostgreSQL source on this machine, which `edp up` runs; undefined when every source is remote. */
function localPostgres(config: EdpConfig) {
  return config.sources.find((s) => s.kind === 'postgres' && ['127.0.0.1', 'localhost'].includes(s.host));
}

/** The services this config needs, in start order. */
export function serviceNames(config: EdpConfig): ServiceName[] {
  const names: ServiceName[] = localPostgres(config) ? ['temporal', 'kafka', 'postgres'] : ['temporal', 'kafka'];
  // Debezium runs in Kafka Connect only when CDC is configured (docs/cdc.md).
  return config.cdc ? [...names, 'kafka-connect'] : names;
}

/** One service's state for `edp status`. */
export interface ServiceStatus {
  name: ServiceName;
  running: boolean;
  pid?: number;
  endpoint: string;
  reachable: boolean;
  logFile: string;
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

const serviceDir = (config: EdpConfig, name: ServiceName): string => join(config.stateDir, 'services', name);

const clusterDir = (config: EdpConfig): string => join(config.stateDir, 'services', 'temporal-cluster');

/**
 * Starts the multi-process Temporal cluster on its own PostgreSQL, its frontend on `temporal.address` with
 * mTLS from `services.temporal.cluster.pkiDir`. Clients need `temporal.tls` for it: without, a ConfigError
 * says which files to name.
 */
async function startCluster(config: EdpConfig, cacheDir: string, log: (m: string) => void): Promise<void> {
  const { host, port } = splitHostPort(config.temporal.address);
  const settings = config.services.temporal.cluster;
  const user = 'edp';
  const pg = await startPostgres({
    dir: join(clusterDir(config), 'postgres'),
    host,
    port: settings.postgresPort,
    user,
    log,
  });
  log(
    `temporal cluster: PostgreSQL ${pg.alreadyRunning ? 'already running' : 'started'} on ${host}:${settings.postgresPort}`,
  );
  const tls = localClusterTls(settings.pkiDir);
  const started = await startTemporalCluster({
    dir: clusterDir(config),
    host,
    ports: defaultClusterPorts(port),
    postgres: { host, port: settings.postgresPort, user },
    tls,
    namespace: config.temporal.namespace,
    cacheDir,
    log,
  });
  for (const [service, r] of Object.entries(started))
    log(`temporal ${service}: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid})`);
  log(`temporal cluster: frontend on ${config.temporal.address} (mTLS, CA ${tls.caFile}); no Web UI`);
  if (config.temporal.tls === undefined)
    throw new ConfigError(
      `the cluster's frontend takes mTLS only: set caFile: ${tls.caFile}, certFile: ${tls.clientCertFile}, keyFile: ${tls.clientKeyFile}`,
      { fix: 'temporal.tls' },
    );
}

/** The pid of one service process of the cluster `edp up --cluster` started, if it runs. */
export function temporalClusterPid(config: EdpConfig, service: ClusterService): number | undefined {
  return clusterServicePid(clusterDir(config), service);
}

/** Installs every service binary into the cache (idempotent); the Temporal server build only for the cluster. */
export function installServices(config: EdpConfig, log: (m: string) => void): void {
  const cache = config.services.cacheDir ?? defaultCacheDir();
  ensureTemporalBinaries(cache, log);
  if (config.services.temporal.server === 'cluster') ensureTemporalServer(cache, log);
  ensureKafkaJars(cache, log);
  if (config.cdc) ensureKafkaConnect(cache, log);
}

/** Starts one service from config on loopback; a no-op when it already runs. */
export async function startService(config: EdpConfig, name: ServiceName, log: (m: string) => void): Promise<void> {
  const cacheDir = config.services.cacheDir ?? defaultCacheDir();
  if (name === 'temporal' && config.services.temporal.server === 'cluster') {
    await startCluster(config, cacheDir, log);
  } else if (name === 'temporal') {
    const { host, port } = splitHostPort(config.temporal.address);
    const r = await startTemporal({
      dir: serviceDir(config, 'temporal'),
      dbFile: config.services.temporal.dbFile,
      host,
      grpcPort: port,
      uiPort: config.services.temporal.uiPort,
      cacheDir,
      log,
      // With payload encryption on (creating the key set on first run), the Web UI decodes through
      // `edp codec-server` (started by `edp up`).
      codecEndpoint: codecKeysFor(config) ? `http://127.0.0.1:${config.temporal.codecPort}` : undefined,
    });
    log(
      `temporal: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}) on ${config.temporal.address}, Web UI ${config.temporal.uiUrl}`,
    );
  } else if (name === 'postgres') {
    const source = localPostgres(config)!;
    const r = await startPostgres({
      dir: serviceDir(config, 'postgres'),
      host: '127.0.0.1',
      port: source.port,
      user: source.user,
      log,
    });
    for (const s of config.sources.filter((x) => x.kind === 'postgres' && x.port === source.port)) {
      if (await ensureDatabase({ host: '127.0.0.1', port: s.port, user: s.user }, s.database))
        log(`postgres: created database ${s.database}`);
    }
    log(`postgres: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}) on 127.0.0.1:${source.port}`);
  } else if (name === 'kafka-connect') {
    const connect = config.cdc!.connect;
    const r = await startKafkaConnect({
      dir: serviceDir(config, name),
      bootstrap: config.kafka.brokers[0],
      port: connect.port,
      heap: connect.heap,
      cacheDir,
      log,
    });
    log(
      `kafka-connect: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}) on 127.0.0.1:${connect.port} (Debezium; \`npx edp cdc start\` registers the connector)`,
    );
  } else {
    const { host, port } = splitHostPort(config.kafka.brokers[0]);
    const r = await startKafka({
      dir: serviceDir(config, 'kafka'),
      host,
      port,
      controllerPort: config.services.kafka.controllerPort,
      cacheDir,
      log,
    });
    log(`kafka: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}) on ${config.kafka.brokers[0]}`);
  }
}

/** Stops one service; reports whether it was running. */
export async function stopService(config: EdpConfig, name: ServiceName): Promise<boolean> {
  if (name === 'postgres') return stopPostgres(serviceDir(config, name));
  if (name === 'kafka-connect') return stopKafkaConnect(serviceDir(config, name));
  if (name === 'temporal') {
    // Whichever of the two runs: `edp up --cluster` starts the cluster without the config saying so.
    const dev = await stopTemporal(serviceDir(config, name));
    const cluster = await stopTemporalCluster(clusterDir(config));
    const pg = await stopPostgres(join(clusterDir(config), 'postgres'));
    return dev || cluster || pg;
  }
  return stopKafka(serviceDir(config, name));
}

/** The state of every managed service. */
export async function serviceStatus(config: EdpConfig): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for (const name of serviceNames(config)) {
    const endpoint =
      name === 'temporal'
        ? config.temporal.address
        : name === 'kafka'
          ? config.kafka.brokers[0]
          : name === 'kafka-connect'
            ? `127.0.0.1:${config.cdc!.connect.port}`
            : `127.0.0.1:${localPostgres(config)!.port}`;
    const { host, port } = splitHostPort(endpoint);
    const dir = serviceDir(config, name);
    // The cluster's frontend stands for Temporal when the dev server is not the one running.
    const frontend =
      name === 'temporal' && temporalPid(dir) === undefined ? temporalClusterPid(config, 'frontend') : undefined;
    const pid =
      name === 'temporal'
        ? (temporalPid(dir) ?? frontend)
        : { kafka: kafkaPid, postgres: postgresPid, 'kafka-connect': kafkaConnectPid }[name](dir);
    out.push({
      name,
      running: pid !== undefined,
      pid,
      endpoint,
      reachable: await portOpen(host, port),
      logFile: frontend ? join(clusterDir(config), 'frontend.log') : join(serviceDir(config, name), `${name}.log`),
    });
  }
  return out;
}
