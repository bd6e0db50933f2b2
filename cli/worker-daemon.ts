import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, runningPid, startDaemon, stopDaemon } from '../infra/process';
import { singleWriterOf } from '../activities/warehouse/warehouse-config';
import type { EdpConfig } from '../workers/config-schema';
import { leaseFile, type WorkerLease } from '../workers/query-server';
import { PROJECT_ROOT } from '../workers/project-root';
import { presenceDir, type WorkerPresence } from '../workers/worker-presence';

const pidFile = (config: EdpConfig): string => join(config.stateDir, 'services', 'worker', 'worker.pid');
/** The worker's log file when it runs in the background. */
export const workerLog = (config: EdpConfig): string => join(config.stateDir, 'services', 'worker', 'worker.log');

/**
 * The live worker holding the engine's single-writer file (DuckDB's), if any (from its lease file): the
 * one `edp query` asks. Engines without such a file (the registry's `singleWriter`) have no lease.
 */
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

/**
 * The worker processes polling from this host's state folder, on any engine (from the files they write
 * once polling); a killed worker's file is removed here.
 */
export function localWorkers(config: EdpConfig): WorkerPresence[] {
  const dir = presenceDir(config.stateDir);
  if (!existsSync(dir)) return [];
  const live: WorkerPresence[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    try {
      const presence = JSON.parse(readFileSync(join(dir, name), 'utf8')) as WorkerPresence;
      if (pidAlive(presence.pid)) live.push(presence);
      else rmSync(join(dir, name), { force: true });
    } catch {
      // Being written right now, or not ours: not a worker to count on.
    }
  }
  return live;
}

/** Whether workers of this host poll both the workflows and the warehouse queue, so a run can proceed. */
export function localWorkersServe(config: EdpConfig): boolean {
  const polled = new Set(localWorkers(config).flatMap((w) => w.taskQueues));
  const q = config.temporal.taskQueues;
  return polled.has(q.workflows) && polled.has(q.warehouse);
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

/**
 * Starts `edp worker` in the background unless this host's workers already serve the queues; ready once
 * it polls, whatever the engine (a Snowflake worker holds no file and writes no lease).
 */
export async function startWorkerDaemon(
  config: EdpConfig,
  configFile?: string,
): Promise<{ pid: number; alreadyRunning: boolean }> {
  const [live] = localWorkersServe(config) ? localWorkers(config) : [];
  if (live) return { pid: live.pid, alreadyRunning: true };
  return startDaemon({
    name: 'EDP worker',
    ...edpCommand('worker', configFile),
    pidFile: pidFile(config),
    logFile: workerLog(config),
    ready: () => {
      const pid = runningPid(pidFile(config));
      return Promise.resolve(localWorkers(config).some((w) => w.pid === pid));
    },
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
