import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';

/** Raised when a service cannot be installed, started or stopped; the message says what to do. */
export class ServiceError extends Error {
  override name = 'ServiceError';
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls `check` until it returns true; fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  abortIf?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 1.5, 1000)) {
    if (await check()) return;
    const abort = abortIf?.();
    if (abort) throw new ServiceError(`${what}: ${abort}`);
    if (Date.now() > deadline)
      throw new ServiceError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** True when a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid recorded in a pid file, when that process is still alive. */
export function runningPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

/** What it takes to run one background service. */
export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  pidFile: string;
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the service answers; polled until `readyTimeoutMs`. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
}

/** Starts a detached service unless it already runs; returns once it is ready. */
export async function startDaemon(spec: DaemonSpec): Promise<{ pid: number; alreadyRunning: boolean }> {
  const existing = runningPid(spec.pidFile);
  if (existing !== undefined) {
    await waitUntil(spec.ready, `${spec.name} (pid ${existing}) to become ready`, spec.readyTimeoutMs);
    return { pid: existing, alreadyRunning: true };
  }
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new ServiceError(`${spec.name}: could not spawn ${spec.command}`);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited early (code ${code ?? signal}); see ${spec.logFile}`));
  child.once('error', (err) => (exited = `failed to start: ${err.message}`));
  child.unref();
  writeFileSync(spec.pidFile, String(child.pid));
  try {
    await waitUntil(spec.ready, `${spec.name} to become ready`, spec.readyTimeoutMs, () => exited);
  } catch (err) {
    if (exited === undefined) killTree(child.pid, 'SIGKILL');
    rmSync(spec.pidFile, { force: true });
    throw err;
  }
  return { pid: child.pid, alreadyRunning: false };
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the daemon leads its own process group
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops a service by its pid file: SIGTERM, then SIGKILL after `graceMs`. Returns false if it was not running. */
export async function stopDaemon(pidFile: string, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  killTree(pid, 'SIGTERM');
  try {
    await waitUntil(() => Promise.resolve(!pidAlive(pid)), `pid ${pid} to exit`, graceMs);
  } catch {
    killTree(pid, 'SIGKILL');
    await waitUntil(() => Promise.resolve(!pidAlive(pid)), `pid ${pid} to exit after SIGKILL`, 5000);
  }
  rmSync(pidFile, { force: true });
  return true;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
