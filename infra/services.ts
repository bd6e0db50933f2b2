import { join } from 'node:path';
import type { EdpConfig } from '../lib/config/schema';
import { defaultCacheDir, ensureKafkaJars, ensureTemporalBinaries } from './install';
import { kafkaPid, startKafka, stopKafka } from './kafka';
import { portOpen } from './process';
import { startTemporal, stopTemporal, temporalPid } from './temporal';

/** The local services `edp up` manages. */
export type ServiceName = 'temporal' | 'kafka';
/** Every managed service, in start order. */
export const SERVICE_NAMES: readonly ServiceName[] = ['temporal', 'kafka'];

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

/** Installs every service binary into the cache (idempotent). */
export function installServices(config: EdpConfig, log: (m: string) => void): void {
  const cache = config.services.cacheDir ?? defaultCacheDir();
  ensureTemporalBinaries(cache, log);
  ensureKafkaJars(cache, log);
}

/** Starts one service from config on loopback; a no-op when it already runs. */
export async function startService(config: EdpConfig, name: ServiceName, log: (m: string) => void): Promise<void> {
  const cacheDir = config.services.cacheDir ?? defaultCacheDir();
  if (name === 'temporal') {
    const { host, port } = splitHostPort(config.temporal.address);
    const r = await startTemporal({
      dir: serviceDir(config, 'temporal'),
      dbFile: config.services.temporal.dbFile,
      host,
      grpcPort: port,
      uiPort: config.services.temporal.uiPort,
      cacheDir,
      log,
    });
    log(
      `temporal: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}) on ${config.temporal.address}, Web UI ${config.temporal.uiUrl}`,
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
  return name === 'temporal' ? stopTemporal(serviceDir(config, name)) : stopKafka(serviceDir(config, name));
}

/** The state of every managed service. */
export async function serviceStatus(config: EdpConfig): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for (const name of SERVICE_NAMES) {
    const endpoint = name === 'temporal' ? config.temporal.address : config.kafka.brokers[0];
    const { host, port } = splitHostPort(endpoint);
    const pid = name === 'temporal' ? temporalPid(serviceDir(config, name)) : kafkaPid(serviceDir(config, name));
    out.push({
      name,
      running: pid !== undefined,
      pid,
      endpoint,
      reachable: await portOpen(host, port),
      logFile: join(serviceDir(config, name), `${name}.log`),
    });
  }
  return out;
}
