import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTransformActivities, type TransformDeps } from '../../activities/transform';
import { freePort } from '../../infra/process';
import { startTemporal, stopTemporal, temporalPid } from '../../infra/temporal';
import { workflowWorkerActivities } from '../../workers/local-nodes';
import type { transform, TransformResult } from '../../workflows/transform';
import { historyPhases, type HistoryPhases } from './history-phases';
import { timed, type ByType } from './node-times';
import { latencySince, sdkLatencies, type SdkLatencies } from './sdk-metrics';
import { benchDir, projectDir } from './paths';

/** How the bench's worker serves the transform workflow's activities. */
export type Topology = 'split' | 'shared' | 'local' | 'batch';

/** What each topology is, as the report names it. */
export const TOPOLOGIES: Record<Topology, string> = {
  split: 'workflow and activities on separate queues and workers, as `edp worker` runs them by default',
  shared: 'one queue, one worker running both: activities can start eagerly',
  local: 'as shared, and the short nodes (`--local` materializations) run as local activities in the workflow worker',
  batch: 'as shared, and up to `--batch` ready nodes of the `--batch-materializations` run in one activity',
};

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** One transform workflow run through Temporal: its time, result, and where the time went. */
export interface TemporalRun {
  ms: number;
  result: TransformResult;
  /** Time inside the activity functions run as activities, by node type. */
  body: ByType;
  /** Time inside the ones run as local activities (in the workflow worker), by node type. */
  localBody: ByType;
  history: HistoryPhases;
  /** The worker's side of the same round trips, from the SDK's metrics. */
  sdk: SdkLatencies;
  /** CPU this process (worker, workflow threads, DuckDB) and the dev server used during the run. */
  workerCpuMs: number;
  serverCpuMs?: number;
}

/** Runs the transform workflow on the bench project through Temporal, timed; the label goes into its workflow id. */
export type ViaTemporal = (label: string, topology: Topology) => Promise<TemporalRun>;

/** How the bench starts its dev server and workers. */
export interface TemporalBenchOptions {
  threads: number;
  /** Dynamic config over the dev server's own (infra/temporal.ts), e.g. eager execution off to compare. */
  dynamicConfig?: Record<string, boolean>;
  /** Worker options of the worker that runs the workflow (and, shared, the activities). */
  worker?: Partial<WorkerOptions>;
  /** Materializations the `local` topology runs as local activities (`transform.localNodes`). */
  localNodes: string[];
  /** Node batches of the `batch` topology (`transform.batchNodes`, `transform.batchMaterializations`). */
  batch: { size: number; materializations: string[] };
}

/**
 * Starts a Temporal dev server (free loopback port) and an in-process worker whose activities read `deps`
 * on every call (so a round can swap in a fresh warehouse), hands `body` a way to run the transform
 * workflow, and stops worker and server after.
 */
export async function withTemporal<T>(
  deps: TransformDeps,
  options: TemporalBenchOptions,
  log: (m: string) => void,
  body: (viaTemporal: ViaTemporal) => Promise<T>,
): Promise<T> {
  const temporalDir = join(benchDir, 'temporal');
  const grpcPort = await freePort();
  const address = `127.0.0.1:${grpcPort}`;
  process.stdout.write('starting a Temporal dev server… ');
  rmSync(join(temporalDir, 'temporal.sqlite'), { force: true });
  await startTemporal({
    dir: temporalDir,
    dbFile: join(temporalDir, 'temporal.sqlite'),
    host: '127.0.0.1',
    grpcPort,
    log,
    dynamicConfig: options.dynamicConfig,
  });
  console.log(address);
  let connection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  const workers: Worker[] = [];
  let running: Promise<unknown> | undefined;
  const activityBody: ByType = {};
  const localBody: ByType = {};
  try {
    const metrics = `127.0.0.1:${await freePort()}`;
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } },
    });
    connection = await NativeConnection.connect({ address });
    const taskQueue = 'bench-transform';
    // Split runs send their activities to a second queue, which only the second worker serves.
    const activityQueue: Record<Topology, string> = {
      shared: taskQueue,
      local: taskQueue,
      batch: taskQueue,
      split: `${taskQueue}-warehouse`,
    };
    const activities = timed(createTransformActivities(deps), activityBody, localBody);
    workers.push(
      await Worker.create({
        ...options.worker,
        connection,
        namespace: 'default',
        taskQueue,
        workflowsPath: require.resolve('../../workflows'),
        ...workflowWorkerActivities(activities, true),
      }),
      await Worker.create({ connection, namespace: 'default', taskQueue: activityQueue.split, activities }),
    );
    running = Promise.all(workers.map((w) => w.run()));
    clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection, namespace: 'default' });
    const serverPid = temporalPid(temporalDir);
    return await body(async (label, topology) => {
      rmSync(join(projectDir, 'target'), { recursive: true, force: true });
      for (const k of Object.keys(activityBody)) delete activityBody[k];
      for (const k of Object.keys(localBody)) delete localBody[k];
      const cpu = process.cpuUsage();
      const serverCpu = serverPid === undefined ? undefined : cpuSecondsOf(serverPid);
      const sdkBefore = await sdkLatencies(metrics);
      const t = performance.now();
      const workflowId = `bench-transform-${label}-${topology}-${Date.now()}`;
      const result = await client.workflow.execute<typeof transform>('transform', {
        taskQueue,
        workflowId,
        args: [
          {
            steps: {
              warehouseTaskQueue: activityQueue[topology],
              maximumAttempts: 1,
              ...(topology === 'local' ? { localNodes: options.localNodes } : {}),
              ...(topology === 'batch'
                ? { batchNodes: options.batch.size, batchMaterializations: options.batch.materializations }
                : {}),
            },
            projectDir,
            command: 'build',
            threads: options.threads,
          },
        ],
      });
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      const sdk = latencySince(sdkBefore, await sdkLatencies(metrics));
      return {
        ms,
        result,
        body: { ...activityBody },
        localBody: { ...localBody },
        history: await historyPhases(client, workflowId),
        sdk,
        workerCpuMs: (used.user + used.system) / 1000,
        serverCpuMs: serverCpu === undefined ? undefined : (cpuSecondsOf(serverPid!) - serverCpu) * 1000,
      };
    });
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await clientConnection?.close();
    await stopTemporal(temporalDir);
  }
}
