import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { localPkiFiles, type LocalPki } from '../../infra/certificates';
import { removePostgres } from '../../infra/postgres';
import { freePort, pidAlive, waitUntil } from '../../infra/process';
import { startService, stopService, temporalClusterPid } from '../../infra/services';
import { CLUSTER_SERVICES, defaultClusterPorts, type ClusterService } from '../../infra/temporal-cluster';
import { loadConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import { tmpDir } from './tmp';

/** A multi-process Temporal cluster of one test suite, started as `edp up --cluster` starts it. */
export interface TestCluster {
  /** The frontend (mTLS) as `host:port`. */
  address: string;
  namespace: string;
  /** The local CA the cluster made: its frontend, client and other-CA certificates. */
  pki: LocalPki;
  /** The cluster's own config (its state folder holds the server config, logs and PostgreSQL). */
  config: EdpConfig;
  /** Seconds from the start call to a serving cluster with its namespace registered. */
  startSeconds: number;
  /** The pid of one of the server's service processes. */
  pid(service: ClusterService): number | undefined;
  /** Starts whatever service is not running (what `edp up` does after a crash). */
  restart(): Promise<void>;
  /** Kills one service with SIGKILL, waits until it is gone and restarts it: the pid it had and when it was killed. */
  crash(service: ClusterService): Promise<{ pid: number; killedAt: number }>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A frontend port whose whole layout (history, matching, worker, gossip, HTTP) is free right now, below the
 * ephemeral range: Temporal stores membership ports as a PostgreSQL smallint (at most 32767).
 */
async function freeClusterPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const frontend = 20_000 + Math.floor(Math.random() * 12_000);
    const layout = defaultClusterPorts(frontend);
    const ports = [layout.http, ...CLUSTER_SERVICES.flatMap((s) => [layout[s].grpc, layout[s].membership])];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return frontend;
  }
  throw new Error('no free port layout for the Temporal cluster on 127.0.0.1');
}

/**
 * Starts the cluster through the same code as `edp up --cluster` (infra/services.ts), on free ports, with
 * its own PostgreSQL and local CA in a temporary folder. Only the suites that need it start it: the build
 * (once per machine, into the service cache) and the start are not for every test run.
 */
export async function startTestCluster(name: string, namespace: string): Promise<TestCluster> {
  const dir = tmpDir(`edp-${name}-`);
  const file = join(dir, 'edp.config.yaml');
  const address = `127.0.0.1:${await freeClusterPort()}`;
  const pkiDir = join(dir, 'pki');
  const pki = localPkiFiles(pkiDir);
  writeFileSync(
    file,
    stringify({
      stateDir: join(dir, 'state'),
      temporal: { address, namespace, tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } },
      services: { temporal: { server: 'cluster', cluster: { postgresPort: await freePort(), pkiDir } } },
    }),
  );
  const { config } = loadConfig({ file, env: {} });
  const log = (m: string): void => console.log(`[${name}] ${m}`);
  const started = Date.now();
  await startService(config, 'temporal', log);
  return {
    address,
    namespace,
    pki,
    config,
    startSeconds: (Date.now() - started) / 1000,
    pid: (service) => temporalClusterPid(config, service),
    restart: () => startService(config, 'temporal', log),
    async crash(service) {
      const pid = temporalClusterPid(config, service)!;
      process.kill(pid, 'SIGKILL');
      const killedAt = Date.now();
      await waitUntil(() => Promise.resolve(!pidAlive(pid)), `the ${service} service to die`, 10_000);
      await startService(config, 'temporal', log);
      return { pid, killedAt };
    },
    stop: async () => {
      await stopService(config, 'temporal');
      // Its PostgreSQL keeps its data under /var/tmp when the tests run as root: not left behind.
      await removePostgres(join(config.stateDir, 'services', 'temporal-cluster', 'postgres'));
    },
  };
}
