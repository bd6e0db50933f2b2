import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { WorkerRole } from '../lib/config/schema';

/**
 * What a worker process announces in the state folder while it polls, whatever the engine: how
 * `edp up` knows its background worker is ready and `edp status` lists the workers of this host.
 */
export interface WorkerPresence {
  pid: number;
  role: WorkerRole;
  taskQueues: string[];
  host: string;
  startedAt: string;
}

/** The folder holding one `<pid>.json` per worker process polling from this state folder. */
export const presenceDir = (stateDir: string): string => join(stateDir, 'services', 'worker', 'running');

/** Writes this process's presence file; the returned function removes it (a killed worker's stays, with a dead pid). */
export function announceWorker(stateDir: string, role: WorkerRole, taskQueues: string[]): () => void {
  const dir = presenceDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}.json`);
  const presence: WorkerPresence = {
    pid: process.pid,
    role,
    taskQueues,
    host: hostname(),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(file, JSON.stringify(presence));
  return () => rmSync(file, { force: true });
}
