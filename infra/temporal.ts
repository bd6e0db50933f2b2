import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SEARCH_ATTRIBUTE_FLAGS } from '../lib/search-attributes';
import { ensureTemporalBinaries } from './install';
import { portOpen, runningPid, startDaemon, stopDaemon } from './process';

/** Where and how the Temporal dev server runs. */
export interface TemporalServerOptions {
  /** Folder for the pid and log files. */
  dir: string;
  /** SQLite file holding workflow history, so runs survive restarts. */
  dbFile: string;
  host: string;
  grpcPort: number;
  /** Web UI port; `undefined` starts the server headless (tests). */
  uiPort?: number;
  cacheDir?: string;
  log?: (message: string) => void;
  /** The codec server the Web UI decodes encrypted payloads with (`--ui-codec-endpoint`). */
  codecEndpoint?: string;
  /** Dynamic config values over {@link DEV_DYNAMIC_CONFIG} (`--dynamic-config-value`), e.g. to measure without one. */
  dynamicConfig?: Record<string, boolean | number | string>;
}

/**
 * Dynamic config the dev server starts with. Eager activity execution: a workflow task's reply carries
 * the activities it schedules on the worker's own task queue, which saves each one a matching poll round trip.
 */
export const DEV_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number | string>> = {
  'system.enableActivityEagerExecution': true,
};

const files = (dir: string) => ({ pidFile: join(dir, 'temporal.pid'), logFile: join(dir, 'temporal.log') });

/** True when the server at host:port reports SERVING. */
export function temporalHealthy(temporalBin: string, address: string): boolean {
  const r = spawnSync(temporalBin, ['operator', 'cluster', 'health', '--address', address], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return r.status === 0 && /SERVING/.test(r.stdout);
}

/** Starts `temporal server start-dev` (a no-op when it already runs) with the project's search attributes. */
export async function startTemporal(opts: TemporalServerOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const bins = ensureTemporalBinaries(opts.cacheDir, opts.log);
  const address = `${opts.host}:${opts.grpcPort}`;
  mkdirSync(dirname(opts.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    opts.host,
    '--port',
    String(opts.grpcPort),
    '--db-filename',
    opts.dbFile,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((sa) => ['--search-attribute', sa]),
    ...Object.entries({ ...DEV_DYNAMIC_CONFIG, ...opts.dynamicConfig }).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
    ...(opts.uiPort === undefined ? ['--headless'] : ['--ui-port', String(opts.uiPort), '--ui-disable-news-fetch']),
    ...(opts.codecEndpoint && opts.uiPort !== undefined ? ['--ui-codec-endpoint', opts.codecEndpoint] : []),
  ];
  return startDaemon({
    name: `Temporal dev server on ${address}`,
    command: bins.temporal,
    args,
    ...files(opts.dir),
    ready: async () =>
      (await portOpen(opts.host, opts.grpcPort)) &&
      (opts.uiPort === undefined || (await portOpen(opts.host, opts.uiPort))) &&
      temporalHealthy(bins.temporal, address),
    readyTimeoutMs: 60_000,
  });
}

/** Stops the dev server started from `dir`; false when none was running. */
export function stopTemporal(dir: string): Promise<boolean> {
  return stopDaemon(files(dir).pidFile);
}

/** The pid of the dev server started from `dir`, if it runs. */
export function temporalPid(dir: string): number | undefined {
  return runningPid(files(dir).pidFile);
}
