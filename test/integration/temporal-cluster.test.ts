import { Client, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { classifyError } from '../../activities/errors';
import { startPipeline } from '../../cli/pipeline-run';
import { pidAlive, waitUntil } from '../../infra/process';
import { pipelineWorkflowId } from '../../lib/ids';
import { ConfigError } from '../../lib/errors';
import { serviceStatus, startService } from '../../infra/services';
import { CLUSTER_SERVICES, defaultClusterPorts, localClusterTls } from '../../infra/temporal-cluster';
import { connectClientConnection, connectWorkerConnection } from '../../workers/temporal-connection';
import { waitForStep } from '../helpers/pipeline-progress';
import { landSample, testClient, testConfig, warehouseFingerprint } from '../helpers/platform';
import { startTestCluster, type TestCluster } from '../helpers/temporal-cluster';
import { startWorkerProcess, stopGracefully } from '../helpers/worker-process';

const EDP = join(__dirname, '..', '..', 'bin', 'edp.js');

/** `edp …` in its own process with the test's config file, to its end: exit code and what it printed. */
function edp(configFile: string, args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [EDP, ...args], {
    env: { ...process.env, EDP_CONFIG: configFile },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout}${e.stderr}` }),
  );
}

const HISTORY_SERVICE = 'temporal.api.workflowservice.v1.HistoryService';

/**
 * The history service's gRPC health of itself (grpc.health.v1.Health/Check, hand-encoded: one string
 * field out, one enum field back) asked at `address` with `creds`: `SERVING`, or the refusal's message.
 */
function historyHealth(address: string, creds: ChannelCredentials): Promise<string> {
  const client = new Client(address, creds);
  const name = Buffer.from(HISTORY_SERVICE);
  return new Promise<string>((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => Buffer.concat([Buffer.from([0x0a, name.length]), name]),
      (reply: Buffer) => (reply[0] === 0x08 && reply[1] === 1 ? 'SERVING' : `status ${reply.toString('hex')}`),
      null,
      { deadline: Date.now() + 5_000 },
      (err, status) => resolve(err ? `refused: ${err.message}` : String(status)),
    );
  }).finally(() => client.close());
}

/**
 * The real Temporal server (built from go.temporal.io/server into the service cache) as four processes —
 * frontend, history, matching, worker — on PostgreSQL with SQL visibility, the frontend taking mTLS only.
 * Started by this suite alone (not global setup), as `edp up --cluster` starts it.
 */
describe('multi-process Temporal cluster: PostgreSQL, SQL visibility, mTLS frontend and internode', () => {
  const NAMESPACE = 'edp-cluster';
  const interval = { start: '2026-03-02T08:00:00.000Z', end: '2026-03-02T12:00:00.000Z' };
  const sample = { claimsPerInterval: 20_000, members: 2_000 };
  let cluster: TestCluster;
  let undisturbed: Record<string, string>;

  beforeAll(async () => {
    cluster = await startTestCluster('temporal-cluster', NAMESPACE);
    console.log(`[temporal-cluster] serving with namespace ${NAMESPACE} after ${cluster.startSeconds.toFixed(1)} s`);
  }, 20 * 60_000); // a machine without the server in its cache builds it first (minutes, once)
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** A test config on the cluster, connecting with `tls` (the CA and client certificate by default). */
  const onCluster = (name: string, tls?: Record<string, string>): ReturnType<typeof testConfig> =>
    testConfig(name, {
      temporal: {
        address: cluster.address,
        namespace: NAMESPACE,
        tls: tls ?? { caFile: cluster.pki.caCert, certFile: cluster.pki.clientCert, keyFile: cluster.pki.clientKey },
        taskQueues: { workflows: `${name}-workflows`, warehouse: `${name}-warehouse` },
      },
    });

  it('runs each service as its own process and registers the namespace with the EDP search attributes', async () => {
    const pids = CLUSTER_SERVICES.map((s) => cluster.pid(s));
    expect(pids.every((p) => p !== undefined && pidAlive(p))).toBe(true);
    expect(new Set(pids).size).toBe(4);
    const { config } = onCluster('cluster-sa');
    const connection = await connectClientConnection(config.temporal);
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
      expect(customAttributes).toMatchObject({
        EdpPipeline: expect.anything(),
        EdpIntervalStart: expect.anything(),
        EdpStatus: expect.anything(),
        EdpParams: expect.anything(),
        EdpTrigger: expect.anything(),
      });
    } finally {
      await connection.close();
    }
  });

  it.each([
    ['no client certificate', (): Record<string, string> => ({ caFile: cluster.pki.caCert })],
    [
      'a client certificate of another CA',
      (): Record<string, string> => ({
        caFile: cluster.pki.caCert,
        certFile: cluster.pki.otherClientCert,
        keyFile: cluster.pki.otherClientKey,
      }),
    ],
  ])('refuses a client with %s at once: non-retryable, naming temporal.tls.certFile', async (_, tls) => {
    const { config } = onCluster('cluster-refused', tls());
    for (const connect of [connectWorkerConnection, connectClientConnection]) {
      const started = Date.now();
      const err = await connect(config.temporal).then(
        (c) => c.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect(Date.now() - started).toBeLessThan(5000); // refused, not retried until a deadline
      expect((err as ConfigError).fix).toBe('temporal.tls.certFile');
      expect(classifyError(err).nonRetryable).toBe(true);
    }
  });

  it('the services take mTLS of the internode CA only: plain text and client certificates are refused at history', async () => {
    const { port } = new URL(`grpc://${cluster.address}`);
    const history = `127.0.0.1:${defaultClusterPorts(Number(port)).history.grpc}`;
    const internode = localClusterTls(cluster.config.services.temporal.cluster.pkiDir).internode;
    const read = (file: string) => readFileSync(file);
    const tls = (key: string, cert: string) => credentials.createSsl(read(internode.caFile), read(key), read(cert));
    // What the frontend, matching and worker present: served, so history listens with TLS and is up
    // (after a restart it answers NOT_SERVING until it owns its shards again).
    const peer = tls(internode.keyFile, internode.certFile);
    await waitUntil(async () => (await historyHealth(history, peer)) === 'SERVING', 'history SERVING', 60_000);
    expect(await historyHealth(history, peer)).toBe('SERVING');
    expect(await historyHealth(history, credentials.createInsecure())).toMatch(/^refused: /);
    // A client certificate the frontend accepts is no key to the services behind it.
    expect(await historyHealth(history, tls(cluster.pki.clientKey, cluster.pki.clientCert))).toMatch(/^refused: /);
    expect(await historyHealth(history, tls(cluster.pki.otherClientKey, cluster.pki.otherClientCert))).toMatch(
      /^refused: /,
    );
  });

  it('`edp up` of the cluster without temporal.tls names the key and the files; `edp status` shows its frontend', async () => {
    const noTls = { ...cluster.config, temporal: { ...cluster.config.temporal, tls: undefined } };
    const err = await startService(noTls, 'temporal', () => {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).fix).toBe('temporal.tls');
    expect((err as ConfigError).message).toContain(`certFile: ${cluster.pki.clientCert}`);
    const [temporal] = await serviceStatus(cluster.config);
    expect(temporal).toMatchObject({ name: 'temporal', running: true, pid: cluster.pid('frontend'), reachable: true });
  });

  it('`edp run` without a client certificate stops with the key to set', async () => {
    const { file } = onCluster('cluster-cli-refused', { caFile: cluster.pki.caCert });
    const { code, out } = await edp(file, ['run', '--interval', `${interval.start}/${interval.end}`]);
    expect(code).not.toBe(0);
    expect(out).toContain('temporal.tls.certFile');
  });

  it('`edp run` over mTLS runs a pipeline interval to success, found by its search attribute in SQL visibility', async () => {
    const loaded = onCluster('cluster-baseline');
    await landSample(loaded, interval, sample);
    const { code, out } = await edp(loaded.file, ['run', '--interval', `${interval.start}/${interval.end}`]);
    expect({ code, out }).toMatchObject({ code: 0 });
    undisturbed = await warehouseFingerprint(loaded.config.warehouse.duckdb.path);
    expect(Object.keys(undisturbed).length).toBeGreaterThan(8);
    const { client, close } = await testClient(loaded.config);
    try {
      const id = pipelineWorkflowId(
        loaded.config.pipeline.name,
        interval,
        loaded.config.pipeline.schedule.offsetMinutes,
      );
      const found: string[] = [];
      for await (const w of client.workflow.list({ query: `EdpPipeline = "${loaded.config.pipeline.name}"` }))
        found.push(w.workflowId);
      expect(found).toContain(id);
    } finally {
      await close();
    }
  }, 600_000);

  it('kill -9 of the history service mid-run: the run completes, every table equal to the undisturbed run', async () => {
    expect(undisturbed).toBeDefined();
    // Not 'cluster-drill': that suite's config name (its operational database and state folder) is its own.
    const loaded = onCluster('cluster-history-kill');
    const { config } = loaded;
    await landSample(loaded, interval, sample);
    const worker = await startWorkerProcess(loaded.file, join(config.stateDir, 'worker.log'));
    const { client, close } = await testClient(config);
    try {
      const handle = await startPipeline(client, config, interval);
      const { startTime } = await handle.describe();
      await waitForStep(config, 'transform', interval, 5, startTime);
      const { pid: history, killedAt } = await cluster.crash('history');
      expect(cluster.pid('history')).not.toBe(history);
      expect((await handle.result()).status).toBe('succeeded');
      const run = await handle.describe();
      // The kill landed inside the run: it started before and closed after.
      expect(run.startTime.getTime()).toBeLessThan(killedAt);
      expect(run.closeTime!.getTime()).toBeGreaterThan(killedAt);
      await stopGracefully(worker);
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await close();
    }
    expect(await warehouseFingerprint(config.warehouse.duckdb.path)).toEqual(undisturbed);
  }, 600_000);
});
