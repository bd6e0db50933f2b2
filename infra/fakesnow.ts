import { join } from 'node:path';
import { ensureFakesnow } from './install';
import { portOpen, runningPid, startDaemon, stopDaemon } from './process';

/** Where and how to run the local Snowflake-protocol server. */
export interface FakesnowOptions {
  /** Folder for the pid and log files. */
  dir: string;
  port: number;
  /** Also serve a local S3 (moto) on this port, read by COPY from external s3:// stages. */
  s3Port?: number;
  cacheDir?: string;
  /** Expire a session idle this long inside a transaction, rolling it back (default 60 s). */
  idleTransactionSeconds?: number;
  log?: (message: string) => void;
}

const files = (dir: string) => ({ pidFile: join(dir, 'fakesnow.pid'), logFile: join(dir, 'fakesnow.log') });

/**
 * Starts fakesnow's server behind the JSON-result shim (infra/fakesnow-json-shim.py) on 127.0.0.1, so
 * the Node snowflake-sdk can talk to it; a no-op when it already runs.
 */
export async function startFakesnow(opts: FakesnowOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const python = ensureFakesnow(opts.cacheDir, opts.log);
  return startDaemon({
    name: `fakesnow on 127.0.0.1:${opts.port}`,
    command: python,
    args: [
      join(__dirname, 'fakesnow-json-shim.py'),
      '--host',
      '127.0.0.1',
      '--port',
      String(opts.port),
      ...(opts.s3Port ? ['--s3-port', String(opts.s3Port)] : []),
      ...(opts.idleTransactionSeconds ? ['--idle-transaction-seconds', String(opts.idleTransactionSeconds)] : []),
    ],
    ...files(opts.dir),
    ready: async () =>
      (await portOpen('127.0.0.1', opts.port)) && (!opts.s3Port || (await portOpen('127.0.0.1', opts.s3Port))),
    readyTimeoutMs: 60_000,
  });
}

/** Stops the server started from `dir`; false when none was running. */
export function stopFakesnow(dir: string): Promise<boolean> {
  return stopDaemon(files(dir).pidFile);
}

/** The pid of the server started from `dir`, if it runs. */
export function fakesnowPid(dir: string): number | undefined {
  return runningPid(files(dir).pidFile);
}
