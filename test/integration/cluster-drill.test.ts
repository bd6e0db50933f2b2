import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { startPipeline } from '../../cli/pipeline-run';
import { writeSampleSources } from '../../cli/sample-files';
import { schedulesApply } from '../../cli/schedule-commands';
import { withWorker } from '../../cli/session';
import { waitUntil } from '../../infra/process';
import { pipelineScheduleId, pipelineWorkflowId, stepWorkflowId } from '../../lib/ids';
import { intervalsBetween, type DataInterval } from '../../lib/intervals';
import { EDP_INTERVAL_START, EDP_STATUS } from '../../lib/search-attributes';
import type { LoadedConfig } from '../../workers/config';
import type { EdpConfig } from '../../workers/config-schema';
import { dataConverterFor } from '../../workers/payload-codec';
import { openWarehouse } from '../../workers/warehouse-factory';
import type { PlatformPipelineResult, platformPipeline } from '../../workflows/platform-pipeline';
import { readWithDeltaRs } from '../helpers/delta';
import { AVAILABLE_ENGINES } from '../helpers/engines';
import { localS3 } from '../helpers/fakesnow';
import { uploadFolder } from '../helpers/moto-server';
import { completedNodes } from '../helpers/pipeline-progress';
import { landSample, testClient, testConfig } from '../helpers/platform';
import { backfillSchedule } from '../helpers/schedule-backfill';
import { normalizedRows, warehouseContents, type WarehouseContents } from '../helpers/table-rows';
import { startTestCluster, type TestCluster } from '../helpers/temporal-cluster';
import { hostConfig, identityPids, runIdentities, startHostWorker } from '../helpers/worker-hosts';

const snowflake = AVAILABLE_ENGINES.find((e) => e.name === 'snowflake')!;
/** A pipeline name and day of this suite's own: no other suite's run shares a workflow id with it. */
const PIPELINE = 'cluster_drill';
const NAMESPACE = 'edp-drill';
/** A day of 4-hour intervals: six runs. */
const DAY = intervalsBetween(new Date('2026-07-14T00:00:00Z'), new Date('2026-07-15T00:00:00Z'), 4);
const sample = { members: 60, providers: 8, claimsPerInterval: 300 };
const BUCKET = `edp-cluster-drill-${process.pid}`;
const [KEY_ENV, SECRET_ENV] = ['EDP_DRILL_S3_ACCESS_KEY_ID', 'EDP_DRILL_S3_SECRET_ACCESS_KEY'];
/**
 * Both runs: the Schedule only runs what is backfilled, one interval after another (BufferAll: each interval
 * builds on the one before, as snapshots, watermarks and partition exports do); a killed worker's activities
 * are retried after a second.
 */
const pipeline = {
  name: PIPELINE,
  heartbeatSeconds: 5,
  sensor: { pokeMinutes: 1, timeoutMinutes: 1 },
  retries: { default: { initialSeconds: 1 } },
  schedule: { paused: true, overlap: 'bufferAll' },
};
/**
 * Columns each engine fills its own way by design: a quality rule's SQL in the engine's dialect, and the
 * planned dbt manifest's checksum (the manifest names its adapter).
 */
const ENGINE_SPECIFIC = { 'audit.quality_rule_results': ['sql'], 'audit.transform_manifests': ['checksum'] };
const quiet = (): void => {};
const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

/** Transform scratch tables (`edp_…`, see `scratchRef`) left in any schema of the warehouse. */
async function scratchTables(config: EdpConfig): Promise<string[]> {
  const w = await openWarehouse(config);
  try {
    return (await w.listTables()).map((t) => `${t.schema}.${t.table}`).filter((t) => /\.edp_/i.test(t));
  } finally {
    await w.close();
  }
}

/** The reference's landing files and operational rows: the same sample every interval of the day. */
async function referenceConfig(): Promise<LoadedConfig & { file: string }> {
  const reference = testConfig('drill-reference', { pipeline });
  for (const interval of DAY) await landSample(reference, interval, sample);
  return reference;
}

/** The reference day: one in-process worker on the dev server and a DuckDB file, the runs one after another. */
async function referenceDay(reference: LoadedConfig): Promise<void> {
  await withWorker(
    reference.config,
    async () => {
      const { client, close } = await testClient(reference.config);
      try {
        for (const interval of DAY) {
          const result = await (await startPipeline(client, reference.config, interval)).result();
          expect([interval.start, result.status]).toEqual([interval.start, 'succeeded']);
        }
      } finally {
        await close();
      }
    },
    quiet,
  );
}

/** The run of one interval, once the Schedule has started it. */
async function startedRun(client: Client, interval: DataInterval): Promise<WorkflowHandle<typeof platformPipeline>> {
  const handle = client.workflow.getHandle<typeof platformPipeline>(pipelineWorkflowId(PIPELINE, interval));
  await waitUntil(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    `the run of ${interval.start}`,
    // After the worker kill the run before it waits out the killed activity's heartbeat timeout, and on the
    // Snowflake stand-in up to a minute more for the transaction the killed worker left open to expire.
    300_000,
  );
  return handle;
}

/** Transform nodes done in an interval's run so far (0 before its transform starts). */
const nodesDone = (client: Client, interval: DataInterval): Promise<number> =>
  completedNodes(client.workflow.getHandle(stepWorkflowId(PIPELINE, 'transform', interval))).then(
    (done) => done.length,
    () => 0,
  );

/** Worker identities of every completed activity in the runs of `intervals` (those started so far). */
async function completions(client: Client, intervals: readonly DataInterval[]): Promise<string[]> {
  const out: string[] = [];
  for (const interval of intervals) {
    const ran = await runIdentities(client, pipelineWorkflowId(PIPELINE, interval)).catch(() => undefined);
    out.push(...(ran?.completed ?? []));
  }
  return out;
}

/**
 * Kills `victim` with SIGKILL inside a run: the first run (from the second interval on) whose transform has
 * finished three nodes once every worker has completed activities. Returns the interval it killed in.
 */
async function killWorkerMidRun(client: Client, workers: ChildProcess[], victim: ChildProcess): Promise<number> {
  for (let k = 1; k < DAY.length - 2; k++) {
    const run = await startedRun(client, DAY[k]);
    for (;;) {
      const worked = identityPids(await completions(client, DAY.slice(0, k + 1)));
      if ((await nodesDone(client, DAY[k])) >= 3 && workers.every((w) => worked.has(w.pid!))) {
        victim.kill('SIGKILL');
        await new Promise((r) => victim.once('exit', r));
        expect((await run.describe()).status.name).toBe('RUNNING'); // the kill landed mid-run
        return k;
      }
      if ((await run.describe()).status.name !== 'RUNNING') break; // too late for this run: the next one
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error('no run left to kill a worker in');
}

/**
 * A Delta table as delta-rs reads it: version, partitioning, protocol, column names and nullability, and its
 * normalized rows. Column types are left out: the Snowflake-protocol stand-in types `count(*)` NUMBER(38,0)
 * and a decimal sum FLOAT, exported as decimal(38,0) and double where DuckDB's are long and decimal(38,2) (real
 * Snowflake's NUMBER(18,0) and NUMBER(38,2) would map as DuckDB's, unchecked here); each engine's type mapping
 * is checked in warehouse-export.test.ts.
 */
async function deltaTable(path: string, options?: Record<string, string>) {
  const { schema, rows, ...read } = await readWithDeltaRs(path, options);
  return {
    ...read,
    columns: schema.map((c) => `${c.name}${c.nullable ? '' : ' not null'}`),
    rows: normalizedRows(rows, [], { digits: 12, texts: true }),
  };
}

/**
 * The cluster drill of issue 22: a day of 4-hour intervals through the real `temporal schedule backfill` on the
 * multi-process Temporal cluster (frontend over mTLS), run by three `edp worker` processes in folders that share
 * nothing on disk, with the Snowflake-protocol server as the warehouse and landing files and Delta exports on S3
 * (moto). One worker is killed -9 mid-run and the history service once; every table and Delta table then equals
 * a single worker's undisturbed run of the same day on DuckDB, row for row.
 */
describe('cluster drill: a day on the Temporal cluster, three workers, Snowflake and S3', () => {
  let cluster: TestCluster;
  let reference: LoadedConfig & { file: string };
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    const started = Date.now();
    [cluster, reference] = await Promise.all([startTestCluster('cluster-drill', NAMESPACE), referenceConfig()]);
    console.log(`[cluster-drill] cluster up in ${seconds(started)} s`);
  }, 20 * 60_000); // a machine without the server in its cache builds it first (minutes, once)
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await cluster?.stop();
  }, 60_000);

  it('runs every interval once, spread over the workers, through a worker and a history kill, equal to the reference', async () => {
    const s3 = localS3();
    await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    process.env[KEY_ENV] = process.env.AWS_ACCESS_KEY_ID; // the shared moto takes any key; the workers inherit it
    process.env[SECRET_ENV] = process.env.AWS_SECRET_ACCESS_KEY;
    const drill = testConfig('cluster-drill', {
      ...(await snowflake.configOverrides('cluster_drill')),
      pipeline,
      temporal: {
        address: cluster.address,
        namespace: NAMESPACE,
        tls: { caFile: cluster.pki.caCert, certFile: cluster.pki.clientCert, keyFile: cluster.pki.clientKey },
      },
      landing: { path: `s3://${BUCKET}/landing`, entities: reference.config.landing.entities },
      export: { path: `s3://${BUCKET}/export`, marts: reference.config.export.marts },
      s3: { endpoint: s3.endpoint, region: 'us-east-1', accessKeyIdEnv: KEY_ENV, secretAccessKeyEnv: SECRET_ENV },
    });
    const { config } = drill;
    // The very files and operational rows the reference loaded, the files delivered to the bucket.
    expect(await uploadFolder(s3.client, BUCKET, reference.config.landing.path, 'landing')).toBe(6 * DAY.length);
    for (const interval of DAY) await writeSampleSources(config, interval, 1);
    dataConverterFor(config); // creates the payload key set each host gets a copy of
    const hosts = ['drill-a', 'drill-b', 'drill-c'].map((h) => hostConfig(drill, h));
    workers.push(...(await Promise.all(hosts.map((h) => startHostWorker(h)))));
    const [, victim] = workers;

    const log = jest.spyOn(console, 'log').mockImplementation(quiet); // the schedule table it prints
    expect(await schedulesApply(config, quiet)).toBe(0);
    log.mockRestore();
    const { client, close } = await testClient(config);
    const started = Date.now();
    // The reference day runs meanwhile, on its own server and warehouse: only the comparison needs it.
    const referenceDone = referenceDay(reference).then(
      () => console.log(`[cluster-drill] reference day (one worker, DuckDB) in ${seconds(started)} s`),
      (err: unknown) => err as Error,
    );
    let results: PlatformPipelineResult[];
    try {
      // Schedule times are interval ends: the runs at 04:00 … 24:00 cover the day.
      await backfillSchedule(pipelineScheduleId(PIPELINE), DAY[0].end, DAY[DAY.length - 1].end, {
        overlapPolicy: 'BufferAll',
        temporal: config.temporal,
      });
      const killedIn = await killWorkerMidRun(client, workers, victim);

      // Two runs later, history: killed inside a transform, restarted as `edp up` restarts a crashed service.
      const target = DAY[killedIn + 2];
      const run = await startedRun(client, target);
      await waitUntil(
        async () => (await nodesDone(client, target)) >= 2,
        `2 transform nodes of ${target.start}`,
        180_000,
      );
      const { pid: history, killedAt } = await cluster.crash('history');
      expect(cluster.pid('history')).not.toBe(history);

      results = [];
      for (const interval of DAY) results.push(await (await startedRun(client, interval)).result());
      console.log(`[cluster-drill] ${DAY.length} intervals on the cluster in ${seconds(started)} s`);
      expect(results.map((r) => r.status)).toEqual(DAY.map(() => 'succeeded'));
      const killed = await run.describe(); // the history kill landed inside this run
      expect(killed.startTime.getTime()).toBeLessThan(killedAt);
      expect(killed.closeTime!.getTime()).toBeGreaterThan(killedAt);

      // Each interval ran once: one execution per interval, by the pipeline's search attributes.
      const executions: string[] = [];
      for await (const wf of client.workflow.list({ query: `EdpPipeline = '${PIPELINE}'` }))
        executions.push(
          `${wf.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString()} ${wf.status.name} ${wf.typedSearchAttributes.get(EDP_STATUS)}`,
        );
      expect(executions.sort()).toEqual(DAY.map((i) => `${i.start} COMPLETED succeeded`));

      // Every worker completed activities; the survivors finished the day.
      const perWorker = new Map(workers.map((w) => [w.pid!, 0]));
      for (const id of await completions(client, DAY)) {
        const pid = Number(id.split('@')[0]);
        perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
      }
      console.log(`[cluster-drill] activity completions per worker: ${[...perWorker.values()].join(', ')}`);
      for (const w of workers) expect([w.pid, perWorker.get(w.pid!)! > 0]).toEqual([w.pid, true]);
    } finally {
      await close();
    }
    const referenceFailed = await referenceDone;
    if (referenceFailed) throw referenceFailed;

    // Every table and every Delta table equals the single worker's undisturbed day, row for row.
    const [onCluster, expected]: WarehouseContents[] = [
      await warehouseContents(config, ENGINE_SPECIFIC),
      await warehouseContents(reference.config, ENGINE_SPECIFIC),
    ];
    expect(Object.keys(expected.tables).filter((t) => t.startsWith('raw.')).length).toBeGreaterThanOrEqual(8);
    expect(onCluster.tables).toEqual(expected.tables);
    expect(onCluster.rawDuplicates).toBe(0);
    // Nor anything besides them: no attempt's scratch table in any schema, the killed worker's included.
    expect(await scratchTables(config)).toEqual([]);
    const deltaOptions = {
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: process.env[KEY_ENV]!,
      AWS_SECRET_ACCESS_KEY: process.env[SECRET_ENV]!,
      AWS_REGION: 'us-east-1',
      AWS_ALLOW_HTTP: 'true',
    };
    for (const { name } of config.export.marts) {
      const [fromBucket, local] = [
        await deltaTable(`s3://${BUCKET}/export/${name}`, deltaOptions),
        await deltaTable(join(reference.config.export.path, name)),
      ];
      expect(fromBucket.rows.length).toBeGreaterThan(0);
      expect([name, fromBucket]).toEqual([name, local]);
    }
  }, 600_000);
});
