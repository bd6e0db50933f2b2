import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SEARCH_ATTRIBUTE_FLAGS } from '../lib/search-attributes';
import { internodePkiFiles, localPkiFiles, makeInternodePki, makeLocalPki } from './certificates';
import { ensureTemporalBinaries, ensureTemporalServer, type TemporalServerInstall } from './install';
import { ensureDatabase } from './postgres';
import { portOpen, runningPid, ServiceError, startDaemon, stopDaemon, waitUntil } from './process';

/** The Temporal server's services, each run as its own process, in start order. */
export const CLUSTER_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
/** One of the Temporal server's services. */
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

/** The gRPC port a service serves and the port its membership (ringpop) gossip listens on. */
export interface ServicePorts {
  grpc: number;
  membership: number;
}

/** Every port the cluster listens on: one pair per service, and the frontend's HTTP API. */
export type ClusterPorts = Record<ClusterService, ServicePorts> & { http: number };

/** The cluster's mTLS files: the frontend's (one CA signs its certificate and every client's) and the internode ones. */
export interface ClusterTls {
  /** The CA: the frontend accepts only client certificates it signed; the server's own worker trusts it. */
  caFile: string;
  /** The frontend's certificate and key (its names must cover the address clients dial). */
  certFile: string;
  keyFile: string;
  /** The client certificate the server's own worker service presents to the frontend. */
  clientCertFile: string;
  clientKeyFile: string;
  /**
   * Traffic among the services (frontend, history, matching, worker): a CA of its own, and the
   * certificate every service presents as server and as client; each accepts only peers it signed.
   */
  internode: { caFile: string; certFile: string; keyFile: string };
}

/** The cluster's mTLS files from local CAs in `pkiDir` (internode ones in `pkiDir/internode`), made there the first time. */
export function localClusterTls(pkiDir: string): ClusterTls {
  const pki = existsSync(localPkiFiles(pkiDir).caCert) ? localPkiFiles(pkiDir) : makeLocalPki(pkiDir);
  const internodeDir = join(pkiDir, 'internode');
  const internode = existsSync(internodePkiFiles(internodeDir).key)
    ? internodePkiFiles(internodeDir)
    : makeInternodePki(internodeDir);
  return {
    internode: { caFile: internode.caCert, certFile: internode.cert, keyFile: internode.key },
    caFile: pki.caCert,
    certFile: pki.serverCert,
    keyFile: pki.serverKey,
    clientCertFile: pki.clientCert,
    clientKeyFile: pki.clientKey,
  };
}

/** Where and how the multi-process Temporal cluster runs. */
export interface TemporalClusterOptions {
  /** Folder for the generated config, pid and log files. */
  dir: string;
  host: string;
  ports: ClusterPorts;
  /** The PostgreSQL holding the `temporal` and `temporal_visibility` databases (created when missing). */
  postgres: { host: string; port: number; user: string };
  tls: ClusterTls;
  /** Registered (with the project's search attributes) once the cluster serves. */
  namespace: string;
  cacheDir?: string;
  log?: (message: string) => void;
}

/** Temporal's own port layout around a frontend port (7233: history 7234, matching 7235, worker 7239, gossip 300 below, HTTP 7243). */
export function defaultClusterPorts(frontend: number): ClusterPorts {
  const pair = (grpc: number): ServicePorts => ({ grpc, membership: grpc - 300 });
  return {
    frontend: pair(frontend),
    history: pair(frontend + 1),
    matching: pair(frontend + 2),
    worker: pair(frontend + 6),
    http: frontend + 10,
  };
}

const DATABASES = { main: 'temporal', visibility: 'temporal_visibility' } as const;
/** Temporal keeps each membership port in a PostgreSQL smallint. */
const MAX_MEMBERSHIP_PORT = 32_767;
/** Fixed forever for a database: history shards cannot be re-split. */
const HISTORY_SHARDS = 4;

const files = (dir: string, service: ClusterService) => ({
  pidFile: join(dir, `${service}.pid`),
  logFile: join(dir, `${service}.log`),
});
const configFile = (dir: string): string => join(dir, 'temporal.yaml');

/** The server's config file: PostgreSQL persistence and SQL visibility, loopback ports, mTLS on the frontend and among the services. */
export function clusterConfig(opts: TemporalClusterOptions): Record<string, unknown> {
  const { host, ports, postgres, tls } = opts;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (name: ClusterService) => ({
    rpc: {
      grpcPort: ports[name].grpc,
      membershipPort: ports[name].membership,
      bindOnIP: host,
      ...(name === 'frontend' && { httpPort: ports.http }),
    },
  });
  const frontendAddress = `${host}:${ports.frontend.grpc}`;
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(DATABASES.main, 20),
        'postgres-visibility': datastore(DATABASES.visibility, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: host },
      tls: {
        // Services reach each other's gRPC ports with mTLS of the internode CA (each presents the same
        // certificate, as server and as client); clients reach the frontend with mTLS of the clients' CA.
        // Membership gossip (ringpop) has no TLS in Temporal: it carries addresses only, not data.
        internode: {
          server: {
            certFile: tls.internode.certFile,
            keyFile: tls.internode.keyFile,
            requireClientAuth: true,
            clientCaFiles: [tls.internode.caFile],
          },
          client: { serverName: host, rootCaFiles: [tls.internode.caFile] },
        },
        frontend: {
          server: {
            certFile: tls.certFile,
            keyFile: tls.keyFile,
            requireClientAuth: true,
            clientCaFiles: [tls.caFile],
          },
          client: { serverName: host, rootCaFiles: [tls.caFile] },
        },
        systemWorker: {
          certFile: tls.clientCertFile,
          keyFile: tls.clientKeyFile,
          client: { serverName: host, rootCaFiles: [tls.caFile] },
        },
      },
    },
    services: Object.fromEntries(CLUSTER_SERVICES.map((s) => [s, service(s)])),
    publicClient: { hostPort: frontendAddress },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: join(opts.dir, 'dynamic-config.yaml'), pollInterval: '10s' },
  };
}

/** Dynamic settings: search attributes registered a moment ago are seen at once, as on the dev server. */
const DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  // Activities a workflow task schedules on its worker's own queue go back in the task's reply (docs/deploy.md).
  'system.enableActivityEagerExecution': [{ value: true }],
};

function sqlTool(bins: TemporalServerInstall, opts: TemporalClusterOptions, database: string, args: string[]): void {
  const { host, port, user } = opts.postgres;
  const r = spawnSync(
    bins.sqlTool,
    ['--plugin', 'postgres12', '--ep', host, '-p', String(port), '-u', user, '--db', database, ...args],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new ServiceError(
      `temporal-sql-tool ${args[0]} on ${database} failed:\n${r.stdout}${r.stderr}\nHow to fix: check that PostgreSQL on ${host}:${port} accepts ${user}`,
    );
}

/** Creates the two databases when missing and brings their schemas to the server's version (idempotent). */
async function setupSchemas(bins: TemporalServerInstall, opts: TemporalClusterOptions): Promise<void> {
  const { host, port, user } = opts.postgres;
  for (const [database, folder] of [
    [DATABASES.main, 'temporal'],
    [DATABASES.visibility, 'visibility'],
  ] as const) {
    if (await ensureDatabase({ host, port, user }, database))
      opts.log?.(`temporal cluster: created database ${database}`);
    sqlTool(bins, opts, database, ['setup-schema', '-v', '0.0']);
    sqlTool(bins, opts, database, ['update-schema', '-d', join(bins.postgresSchema, folder, 'versioned')]);
  }
}

/** `temporal` CLI arguments reaching the frontend with the cluster's client certificate. */
function cliConnection(opts: TemporalClusterOptions): string[] {
  return [
    '--address',
    `${opts.host}:${opts.ports.frontend.grpc}`,
    '--tls-ca-path',
    opts.tls.caFile,
    '--tls-cert-path',
    opts.tls.clientCertFile,
    '--tls-key-path',
    opts.tls.clientKeyFile,
  ];
}

function temporalCli(temporal: string, opts: TemporalClusterOptions, args: string[]) {
  return spawnSync(temporal, [...args, ...cliConnection(opts)], { encoding: 'utf8', timeout: 10_000 });
}

/** The namespace exists, and every EDP search attribute is registered in it. */
function namespaceReady(temporal: string, opts: TemporalClusterOptions): boolean {
  const list = temporalCli(temporal, opts, [
    'operator',
    'search-attribute',
    'list',
    '--namespace',
    opts.namespace,
    '-o',
    'json',
  ]);
  return list.status === 0 && SEARCH_ATTRIBUTE_FLAGS.every((sa) => list.stdout.includes(`"${sa.split('=')[0]}"`));
}

/** Registers the namespace and the project's search attributes (custom columns of SQL visibility) once. */
async function registerNamespace(temporal: string, opts: TemporalClusterOptions): Promise<void> {
  const ns = ['--namespace', opts.namespace];
  if (temporalCli(temporal, opts, ['operator', 'namespace', 'describe', ...ns]).status !== 0) {
    const created = temporalCli(temporal, opts, ['operator', 'namespace', 'create', ...ns, '--retention', '168h']);
    if (created.status !== 0 && !/already exists|AlreadyExists/i.test(created.stderr))
      throw new ServiceError(`registering namespace ${opts.namespace} failed:\n${created.stderr}`);
    opts.log?.(`temporal cluster: registered namespace ${opts.namespace}`);
  }
  await waitUntil(
    () => Promise.resolve(temporalCli(temporal, opts, ['operator', 'namespace', 'describe', ...ns]).status === 0),
    `namespace ${opts.namespace} on the cluster`,
    30_000,
  );
  // A namespace just created reaches the frontend's namespace cache a moment later: until then adding
  // search attributes says it is not found, so it is tried again until the attributes are listed.
  let refusal = '';
  const add = [
    'operator',
    'search-attribute',
    'create',
    ...ns,
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((sa) => ['--name', sa.split('=')[0], '--type', sa.split('=')[1]]),
  ];
  await waitUntil(
    () => {
      if (namespaceReady(temporal, opts)) return Promise.resolve(true);
      refusal = temporalCli(temporal, opts, add).stderr.trim();
      return Promise.resolve(false);
    },
    `the EDP search attributes in ${opts.namespace}`,
    60_000,
  ).catch((err: Error) => {
    throw new ServiceError(`${err.message}; last refusal: ${refusal}`);
  });
}

/** True when the frontend, reached over mTLS with the cluster's client certificate, reports SERVING. */
export function clusterHealthy(temporal: string, opts: TemporalClusterOptions): boolean {
  const r = temporalCli(temporal, opts, ['operator', 'cluster', 'health']);
  return r.status === 0 && /SERVING/.test(r.stdout);
}

/** Starts one of the server's services from the written config; a no-op when it already runs. */
async function startClusterService(
  bins: TemporalServerInstall,
  opts: TemporalClusterOptions,
  service: ClusterService,
  temporal: string,
): Promise<{ pid: number; alreadyRunning: boolean }> {
  return startDaemon({
    name: `Temporal ${service} on ${opts.host}:${opts.ports[service].grpc}`,
    command: bins.server,
    args: ['--config-file', configFile(opts.dir), '--allow-no-auth', 'start', '--service', service],
    ...files(opts.dir, service),
    ready: async () =>
      (await portOpen(opts.host, opts.ports[service].grpc)) &&
      (service !== 'frontend' || clusterHealthy(temporal, opts)),
    readyTimeoutMs: 90_000,
  });
}

/**
 * Starts the multi-process cluster: builds the server into the cache when missing, prepares the PostgreSQL
 * databases, writes the config, starts each service not already running (so after a crash it restarts only
 * what died), and registers the namespace with the project's search attributes.
 */
export async function startTemporalCluster(
  opts: TemporalClusterOptions,
): Promise<Record<ClusterService, { pid: number; alreadyRunning: boolean }>> {
  const tooHigh = CLUSTER_SERVICES.filter((s) => opts.ports[s].membership > MAX_MEMBERSHIP_PORT);
  if (tooHigh.length > 0)
    throw new ServiceError(
      `membership ports of ${tooHigh.join(', ')} are above ${MAX_MEMBERSHIP_PORT} (Temporal stores them as a smallint). How to fix: a temporal.address port below ${MAX_MEMBERSHIP_PORT + 300}`,
    );
  const bins = ensureTemporalServer(opts.cacheDir, opts.log);
  const { temporal } = ensureTemporalBinaries(opts.cacheDir, opts.log);
  mkdirSync(opts.dir, { recursive: true });
  await setupSchemas(bins, opts);
  writeFileSync(configFile(opts.dir), stringify(clusterConfig(opts)));
  writeFileSync(join(opts.dir, 'dynamic-config.yaml'), stringify(DYNAMIC_CONFIG));
  const started = {} as Record<ClusterService, { pid: number; alreadyRunning: boolean }>;
  for (const service of CLUSTER_SERVICES) started[service] = await startClusterService(bins, opts, service, temporal);
  await registerNamespace(temporal, opts);
  return started;
}

/** Stops every service of the cluster started from `dir`; false when none was running. */
export async function stopTemporalCluster(dir: string): Promise<boolean> {
  let any = false;
  for (const service of [...CLUSTER_SERVICES].reverse())
    any = (await stopDaemon(files(dir, service).pidFile, 20_000)) || any;
  return any;
}

/** The pid of one service of the cluster started from `dir`, if it runs. */
export function clusterServicePid(dir: string, service: ClusterService): number | undefined {
  return runningPid(files(dir, service).pidFile);
}
