import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, runningPid, startDaemon, stopDaemon } from '../infra/process';
import { singleWriterOf } from '../activities/warehouse';
import type { EdpConfig } from '../workers/config-schema';
import { leaseFile, type WorkerLease } from '../workers/query-server';
import { PROJECT_ROOT } from '../workers/worker';

const pidFile = (config: EdpConfig): string => join(config.stateDir, 'services', 'worker', 'worker.pid');
/** The worker's log file when it runs in the background. */
export const workerLog = (config: EdpConfig): string => join(config.stateDir, 'services', 'worker', 'worker.log');

/** The live worker holding the engine's single-writer file (DuckDB's), if any (from its lease file). */
export function liveWorker(config: EdpConfig): WorkerLease | undefined {
  const held = singleWriterOf(config.warehouse);
  if (!held) return undefined;
  const file = leaseFile(held.file);
  if (!existsSync(file)) return undefined;
  try {
    const lease = JSON.parse(readFileSync(file, 'utf8')) as WorkerLease;
    return pidAlive(lease.pid) ? lease : undefined;
  } catch {
    return undefined;
  }
}

/** How to run `edp <subcommand>` as a background process, with the given config file. */
export function edpCommand(subcommand: string, configFile?: string) {
  return {
    command: process.execPath,
    args: [join(PROJECT_ROOT, 'bin', 'edp.js'), subcommand],
    cwd: process.cwd(),
    env: configFile ? { ...process.env, EDP_CONFIG: configFile } : process.env,
  };
}

/** Starts `edp worker` in the background unless a worker already holds the warehouse. */
export async function startWorkerDaemon(
  config: EdpConfig,
  configFile?: string,
): Promise<{ pid: number; alreadyRunning: boolean }> {
  const live = liveWorker(config);
  if (live) return { pid: live.pid, alreadyRunning: true };
  return startDaemon({
    name: 'EDP worker',
    ...edpCommand('worker', configFile),
    pidFile: pidFile(config),
    logFile: workerLog(config),
    ready: () => Promise.resolve(liveWorker(config) !== undefined),
    readyTimeoutMs: 120_000,
  });
}

/** Stops the background worker; false when it was not running. */
export function stopWorkerDaemon(config: EdpConfig): Promise<boolean> {
  return stopDaemon(pidFile(config), 30_000);
}

/** The background worker's pid, if it runs. */
export function workerDaemonPid(config: EdpConfig): number | undefined {
  return runningPid(pidFile(config));
}
