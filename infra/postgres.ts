import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClientConfig } from 'pg';
import { runningPid, ServiceError, startDaemon, stopDaemon } from './process';

/** Where and how the local PostgreSQL (the operational SQL source) runs. */
export interface PostgresOptions {
  /** Folder for the data directory, socket, pid and log files. */
  dir: string;
  host: string;
  port: number;
  /** Superuser created by initdb (trust auth on loopback). */
  user?: string;
  log?: (message: string) => void;
  /** `ssl = on` with this certificate and key (PEM). */
  ssl?: { certFile: string; keyFile: string };
  /** pg_hba.conf lines replacing initdb's (e.g. `hostssl all all 127.0.0.1/32 scram-sha-256`). */
  hba?: readonly string[];
}

const asRoot = (): boolean => process.getuid?.() === 0;

/**
 * Where the cluster lives. As root the server runs as the `postgres` user, which may not be able to
 * reach `dir` (a checkout under a private temp folder), so the data and socket go to a folder of
 * its own under /var/tmp, one per `dir`; pid and log files stay in `dir` either way.
 */
function files(dir: string) {
  const home = asRoot()
    ? join('/var/tmp/edp-postgres', createHash('sha256').update(dir).digest('hex').slice(0, 16))
    : dir;
  return { home, data: join(home, 'data'), pidFile: join(dir, 'postgres.pid'), logFile: join(dir, 'postgres.log') };
}

const PG_ROOT = '/usr/lib/postgresql';
const installedVersions = (): string[] =>
  existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'postgres'))) : [];

/**
 * The PostgreSQL server binaries from Debian's `postgresql` package, installing the package first
 * when it is missing and this process may (root with apt-get).
 */
export function postgresBinDir(log: (m: string) => void = () => {}): string {
  if (installedVersions().length === 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log("installing Debian's postgresql package (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    const r = spawnSync('apt-get', ['install', '-y', '-q', 'postgresql'], { encoding: 'utf8', env });
    if (r.status !== 0) throw new ServiceError(`apt-get install postgresql failed:\n${r.stdout}${r.stderr}`);
  }
  const versions = installedVersions();
  if (versions.length === 0) {
    throw new ServiceError(
      `PostgreSQL server binaries not found in ${PG_ROOT}. How to fix: apt-get install postgresql`,
    );
  }
  return join(PG_ROOT, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user the Debian package creates. */
/** The command prefix that runs the server tools as the `postgres` user when this process is root. */
function asServerUser(): string[] {
  return asRoot() ? ['runuser', '-u', 'postgres', '--'] : [];
}

/** Gives the folder to the `postgres` user when running as root. */
function ownForServer(dir: string): void {
  if (!asRoot()) return;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0)
    throw new ServiceError('running as root needs the postgres user. How to fix: apt-get install postgresql');
  chownSync(dir, Number(id.stdout), Number(gid.stdout));
}

/** Copies the server's key and certificate, and writes its pg_hba.conf, where the server may read them; `-c` settings for them. */
function securitySettings(opts: PostgresOptions, home: string): string[] {
  const settings: string[] = [];
  const place = (name: string, write: (path: string) => void): string => {
    const path = join(home, name);
    write(path);
    chmodSync(path, 0o600); // the server refuses a key others can read
    ownForServer(path);
    return path;
  };
  if (opts.ssl) {
    const { certFile, keyFile } = opts.ssl;
    const cert = place('server.crt', (p) => copyFileSync(certFile, p));
    const key = place('server.key', (p) => copyFileSync(keyFile, p));
    settings.push('ssl=on', `ssl_cert_file=${cert}`, `ssl_key_file=${key}`);
  }
  if (opts.hba) settings.push(`hba_file=${place('pg_hba.conf', (p) => writeFileSync(p, `${opts.hba!.join('\n')}\n`))}`);
  return settings.flatMap((s) => ['-c', s]);
}

/** Starts PostgreSQL on loopback (running initdb the first time); a no-op when it already runs. */
export async function startPostgres(opts: PostgresOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const f = files(opts.dir);
  const bin = postgresBinDir(opts.log);
  const user = opts.user ?? 'edp';
  if (runningPid(f.pidFile) === undefined) {
    mkdirSync(opts.dir, { recursive: true });
    if (asRoot()) {
      mkdirSync(dirname(f.home), { recursive: true });
      chmodSync(dirname(f.home), 0o755); // the postgres user must pass through it
    }
    mkdirSync(f.data, { recursive: true, mode: 0o700 });
    ownForServer(f.home);
    ownForServer(f.data);
    const prefix = asServerUser();
    if (!existsSync(join(f.data, 'PG_VERSION'))) {
      const cmd = [
        ...prefix,
        join(bin, 'initdb'),
        '-D',
        f.data,
        '-U',
        user,
        '--auth=trust',
        '--encoding=UTF8',
        '--no-instructions',
      ];
      const init = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
      if (init.status !== 0)
        throw new ServiceError(
          `initdb in ${f.data} failed:\n${init.stdout}${init.stderr}\nHow to fix: remove ${f.data} and retry`,
        );
    }
  }
  const cmd = [
    ...asServerUser(),
    join(bin, 'postgres'),
    '-D',
    f.data,
    '-h',
    opts.host,
    '-p',
    String(opts.port),
    '-k',
    f.home,
    '-c',
    'fsync=off',
    // Logical decoding for CDC (docs/cdc.md): the publication's changes reach Debezium through a slot.
    '-c',
    'wal_level=logical',
    ...(runningPid(f.pidFile) === undefined ? securitySettings(opts, f.home) : []),
  ];
  return startDaemon({
    name: `PostgreSQL on ${opts.host}:${opts.port}`,
    command: cmd[0],
    args: cmd.slice(1),
    pidFile: f.pidFile,
    logFile: f.logFile,
    ready: () =>
      Promise.resolve(
        spawnSync(join(bin, 'pg_isready'), ['-h', opts.host, '-p', String(opts.port), '-q']).status === 0,
      ),
    readyTimeoutMs: 60_000,
  });
}

/** Stops the PostgreSQL started from `dir`; false when none was running. */
export function stopPostgres(dir: string): Promise<boolean> {
  return stopDaemon(files(dir).pidFile, 30_000);
}

/** The pid of the PostgreSQL started from `dir`, if it runs. */
export function postgresPid(dir: string): number | undefined {
  return runningPid(files(dir).pidFile);
}

/**
 * Creates `database` on the server unless it exists (the source's database must be there before the first
 * extract), connecting with `connection` (its database is the server's `postgres`).
 */
export async function ensureDatabase(connection: ClientConfig, database: string): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Stops the PostgreSQL started from `dir` and deletes its cluster (tests start from an empty one). */
export async function removePostgres(dir: string): Promise<void> {
  await stopPostgres(dir);
  rmSync(files(dir).home, { recursive: true, force: true });
}
