import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTransformActivities, type TransformDeps } from '../../activities/transform';
import { freePort } from '../../infra/process';
import { startTemporal, stopTemporal, temporalPid } from '../../infra/temporal';
import type { transform, TransformResult } from '../../workflows/transform';
import { timed, type ByType } from './node-times';
import { benchDir, projectDir } from './paths';

/** Where a workflow's time went, from its event history (server timestamps). */
export interface HistoryPhases {
  events: number;
  activities: number;
  /** Scheduled → started (waiting for a worker slot / poll) and started → completed (delivery + body + reply). */
  queueMs: number;
  runMs: number;
  workflowTasks: number;
  /** Workflow task started → completed (the worker running the workflow code and replying). */
  workflowTaskMs: number;
  /** Activity completed → the next workflow task completed (the workflow reacting to a result). */
  reactMs: number;
}

async function historyPhases(client: Client, workflowId: string): Promise<HistoryPhases> {
  const T = proto.api.enums.v1.EventType;
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (e: proto.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds?.toString() ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  const out: HistoryPhases = {
    events: events.length,
    activities: 0,
    queueMs: 0,
    runMs: 0,
    workflowTasks: 0,
    workflowTaskMs: 0,
    reactMs: 0,
  };
  let wftStarted = 0;
  let lastCompleted: number | undefined;
  for (const e of events) {
    const id = String(e.eventId);
    if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(id, at(e));
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED)
      started.set(String(e.activityTaskStartedEventAttributes?.scheduledEventId), at(e));
    else if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const s = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
      out.activities++;
      out.queueMs += started.get(s)! - scheduled.get(s)!;
      out.runMs += at(e) - started.get(s)!;
      lastCompleted ??= at(e);
    } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) wftStarted = at(e);
    else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      out.workflowTasks++;
      out.workflowTaskMs += at(e) - wftStarted;
      if (lastCompleted !== undefined) out.reactMs += at(e) - lastCompleted;
      lastCompleted = undefined;
    }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** One transform workflow run through Temporal: its time, result, and where the time went. */
export interface TemporalRun {
  ms: number;
  result: TransformResult;
  /** Time inside the activity functions, by node type. */
  body: ByType;
  history: HistoryPhases;
  /** CPU this process (worker, workflow threads, DuckDB) and the dev server used during the run. */
  workerCpuMs: number;
  serverCpuMs?: number;
}

/** Runs the transform workflow on the bench project through Temporal, timed; the label goes into its workflow id. */
export type ViaTemporal = (label: string) => Promise<TemporalRun>;

/**
 * Starts a Temporal dev server (free loopback port) and an in-process worker whose activities read `deps`
 * on every call (so a round can swap in a fresh warehouse), hands `body` a way to run the transform
 * workflow, and stops worker and server after.
 */
export async function withTemporal<T>(
  deps: TransformDeps,
  threads: number,
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
  });
  console.log(address);
  let connection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const activityBody: ByType = {};
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    connection = await NativeConnection.connect({ address });
    const taskQueue = 'bench-transform';
    worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities: timed(createTransformActivities(deps), activityBody),
    });
    running = worker.run();
    clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection, namespace: 'default' });
    const serverPid = temporalPid(temporalDir);
    return await body(async (label) => {
      rmSync(join(projectDir, 'target'), { recursive: true, force: true });
      for (const k of Object.keys(activityBody)) delete activityBody[k];
      const cpu = process.cpuUsage();
      const serverCpu = serverPid === undefined ? undefined : cpuSecondsOf(serverPid);
      const t = performance.now();
      const workflowId = `bench-transform-${label}-${Date.now()}`;
      const result = await client.workflow.execute<typeof transform>('transform', {
        taskQueue,
        workflowId,
        args: [{ steps: { warehouseTaskQueue: taskQueue, maximumAttempts: 1 }, projectDir, command: 'build', threads }],
      });
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      return {
        ms,
        result,
        body: { ...activityBody },
        history: await historyPhases(client, workflowId),
        workerCpuMs: (used.user + used.system) / 1000,
        serverCpuMs: serverCpu === undefined ? undefined : (cpuSecondsOf(serverPid!) - serverCpu) * 1000,
      };
    });
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await clientConnection?.close();
    await stopTemporal(temporalDir);
  }
}
