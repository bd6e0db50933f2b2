import { Client, type Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { listPipelineRuns } from '../activities/sla';
import { workflowStatus } from '../activities/streaming';
import {
  computeWarehouseOf,
  engineNamed,
  lineageNamespaceOf,
  singleWriterOf,
  type Warehouse,
} from '../activities/warehouse';
import type { WorkerRole } from '../lib/config/schema';
import type { EdpConfig } from './config-schema';
import { workflowWorkerActivities } from './local-nodes';
import { announceWorker } from './worker-presence';
import { slotOptions, workerParts, type WorkerPart } from './worker-roles';
import { pipelineSlaTargets } from './pipeline-plans';
import { openWorkerWarehouse } from './worker-warehouse';
import { installRuntime } from './logging';
import { startQueryServer } from './query-server';
import { dataConverterFor } from './payload-codec';
import { connectWorkerConnection, lazyClientConnection } from './temporal-connection';

export { PROJECT_ROOT } from './project-root';

/** Options for {@link runWorker}. */
export interface RunWorkerOptions {
  log?: (message: string) => void;
  /** Resolves when the worker should stop; SIGINT/SIGTERM also stop it. */
  until?: Promise<unknown>;
  /** Called once every task queue of the role is polling. */
  onReady?: () => void;
  /** Which queues to poll; `worker.role` when unset. */
  role?: WorkerRole;
}

/** The activities a worker registers, closed over its warehouse and the config. */
function workerActivities(
  config: EdpConfig,
  warehouse: Warehouse,
  clientConnection: Connection,
  dataConverter: DataConverter | undefined,
) {
  // For visibility queries and describes; the connection connects on first use.
  const client = () =>
    new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  return createActivities({
    warehouse,
    landingDir: config.landing.path,
    s3: config.s3,
    entities: config.landing.entities,
    duplicateFiles: config.landing.duplicateFiles,
    sources: config.sources,
    extractDir: join(config.stateDir, 'extracts'),
    projectDir: config.transform.projectDir,
    manifestCacheDir: join(config.stateDir, 'manifests'),
    target: {
      schema: config.transform.targetSchema,
      threads: config.transform.threads,
      type: engineNamed(config.warehouse.engine).dbtType,
    },
    rulesDir: config.quality.rulesDir,
    exportDir: config.export.path,
    pipeline: config.pipeline,
    slas: config.slas,
    pipelineSlas: pipelineSlaTargets(config),
    webhooks: config.alerts.webhooks,
    kafka: config.kafka,
    streaming: config.streaming,
    realtime: config.realtime,
    defaultComputeWarehouse: computeWarehouseOf(config.warehouse),
    governance: config.governance,
    alerts: config.alerts,
    alertLinks: {
      consoleUrl: config.alerts.consoleUrl,
      temporalUiUrl: config.temporal.uiUrl,
      namespace: config.temporal.namespace,
    },
    lineage: config.lineage,
    lineageWarehouse: {
      ...lineageNamespaceOf(config.warehouse),
      ...(config.lineage.datasetNamespace ? { namespace: config.lineage.datasetNamespace } : {}),
    },
    listRuns: (pipeline, since, workflowType) => listPipelineRuns(client(), pipeline, since, workflowType),
    consumerStatus: (workflowId) => workflowStatus(client(), workflowId),
  });
}

/**
 * One Temporal worker per part, except that the workflows part and an activities part on the same queue
 * share one: then the server can hand that worker a node's activity in the reply to the workflow task that
 * scheduled it (eager dispatch, docs/deploy.md). The activities part's slots win on a key both set.
 */
export function sharedQueues(parts: WorkerPart[]): WorkerPart[][] {
  const workflows = parts.find((p) => p.runs === 'workflows');
  const partner = workflows && parts.find((p) => p.runs === 'activities' && p.taskQueue === workflows.taskQueue);
  return parts.filter((p) => p !== partner).map((p) => (p === workflows && partner ? [p, partner] : [p]));
}

/**
 * Runs a worker process of a role (docs/deploy.md#worker-roles): `all` polls the workflow, warehouse and
 * streaming queues; `workflows` opens no warehouse, so any number may run beside one DuckDB worker. A
 * process running activities on an engine with a single-writer file (DuckDB) holds it and answers
 * `edp query` for it. Returns after a clean shutdown.
 */
export async function runWorker(config: EdpConfig, options: RunWorkerOptions = {}): Promise<void> {
  const log = options.log ?? ((m: string) => console.log(m));
  const role = options.role ?? config.worker.role;
  const parts = workerParts(config, role);
  installRuntime({ logging: config.logging, metricsPort: config.metrics.port });
  // Before anything opens: on first run this creates the project's key set.
  const dataConverter = dataConverterFor(config);
  const needsWarehouse = parts.some((p) => p.runs === 'activities');
  const warehouse = needsWarehouse ? await openWorkerWarehouse(config) : undefined;
  // An engine whose file one process holds (DuckDB): the worker answers `edp query` for it.
  const singleWriter = warehouse && singleWriterOf(config.warehouse);
  const queryServer = warehouse && singleWriter ? await startQueryServer(warehouse, singleWriter) : undefined;
  let connection: NativeConnection | undefined;
  // For the SLA check's visibility queries; connects on first use.
  const clientConnection = lazyClientConnection(config.temporal);
  let withdraw: (() => void) | undefined;
  try {
    connection = await connectWorkerConnection(config.temporal);
    const common = { connection, namespace: config.temporal.namespace, dataConverter };
    const activities = warehouse && workerActivities(config, warehouse, clientConnection, dataConverter);
    const workers = await Promise.all(
      sharedQueues(parts).map((group) =>
        Worker.create({
          ...common,
          ...group.reduce<Partial<WorkerOptions>>((o, p) => ({ ...o, ...slotOptions(p.slots) }), {}),
          taskQueue: group[0].taskQueue,
          ...(group.some((p) => p.runs === 'workflows')
            ? {
                workflowsPath: require.resolve('../workflows'),
                ...workflowWorkerActivities(
                  activities,
                  group.some((p) => p.runs === 'activities'),
                ),
              }
            : { activities }),
        }),
      ),
    );
    const queues = parts.map((p) => p.taskQueue);
    const running = Promise.all(workers.map((w) => w.run()));
    withdraw = announceWorker(config.stateDir, role, queues);
    log(`worker polling ${queues.join(', ')} on ${config.temporal.address} (role ${role}, pid ${process.pid})`);
    options.onReady?.();
    if (options.until) {
      await Promise.race([running, options.until]);
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    }
    await running;
    log('worker stopped cleanly');
  } finally {
    withdraw?.();
    await connection?.close();
    await clientConnection.close();
    if (queryServer) await new Promise((r) => queryServer.close(r));
    await warehouse?.close();
  }
}
