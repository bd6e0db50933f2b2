import { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { listPipelineRuns } from '../activities/sla';
import { computeWarehouseOf, engineNamed, singleWriterOf } from '../activities/warehouse';
import type { EdpConfig } from './config-schema';
import { openWarehouse } from './warehouse-factory';
import { installRuntime } from './logging';
import { startQueryServer } from './query-server';
import { dataConverterFor } from './payload-codec';
import { connectWorkerConnection, lazyClientConnection } from './temporal-connection';

/** Root of the project (models/, quality/rules/). */
export const PROJECT_ROOT = join(__dirname, '..');

/** Options for {@link runWorker}. */
export interface RunWorkerOptions {
  log?: (message: string) => void;
  /** Resolves when the worker should stop; SIGINT/SIGTERM also stop it. */
  until?: Promise<unknown>;
  /** Called once both task queues are polling. */
  onReady?: () => void;
}

/**
 * Runs the platform worker: one process polling the workflow queue and the warehouse queue; where the
 * engine has a single-writer file (DuckDB), it holds it and answers `edp query` for it. Returns after a clean shutdown.
 */
export async function runWorker(config: EdpConfig, options: RunWorkerOptions = {}): Promise<void> {
  const log = options.log ?? ((m: string) => console.log(m));
  installRuntime({ logging: config.logging, metricsPort: config.metrics.port });
  // Before anything opens: on first run this creates the project's key set.
  const dataConverter = dataConverterFor(config);
  const warehouse = await openWarehouse(config);
  // An engine whose file one process holds (DuckDB): the worker answers `edp query` for it.
  const singleWriter = singleWriterOf(config.warehouse);
  const queryServer = singleWriter ? await startQueryServer(warehouse, singleWriter) : undefined;
  let connection: NativeConnection | undefined;
  // For the SLA check's visibility queries; connects on first use.
  const clientConnection = lazyClientConnection(config.temporal);
  try {
    connection = await connectWorkerConnection(config.temporal);
    const common = { connection, namespace: config.temporal.namespace, dataConverter };
    const workflows = await Worker.create({
      ...common,
      taskQueue: config.temporal.taskQueues.workflows,
      workflowsPath: require.resolve('../workflows'),
    });
    const activities = await Worker.create({
      ...common,
      taskQueue: config.temporal.taskQueues.warehouse,
      activities: createActivities({
        warehouse,
        landingDir: config.landing.path,
        entities: config.landing.entities,
        duplicateFiles: config.landing.duplicateFiles,
        sources: config.sources,
        extractDir: join(config.stateDir, 'extracts'),
        projectDir: config.transform.projectDir,
        target: {
          schema: config.transform.targetSchema,
          threads: config.transform.threads,
          type: engineNamed(config.warehouse.engine).dbtType,
        },
        rulesDir: config.quality.rulesDir,
        exportDir: config.export.path,
        pipeline: config.pipeline,
        slas: config.slas,
        webhooks: config.alerts.webhooks,
        kafka: config.kafka,
        streaming: config.streaming,
        realtime: config.realtime,
        defaultComputeWarehouse: computeWarehouseOf(config.warehouse),
        governance: config.governance,
        listRuns: (pipeline, since) =>
          listPipelineRuns(
            new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter }),
            pipeline,
            since,
          ),
      }),
    });
    log(
      `worker polling ${config.temporal.taskQueues.workflows} and ${config.temporal.taskQueues.warehouse} on ${config.temporal.address} (pid ${process.pid})`,
    );
    const running = Promise.all([workflows.run(), activities.run()]);
    options.onReady?.();
    if (options.until) {
      await Promise.race([running, options.until]);
      for (const w of [workflows, activities]) if (w.getState() === 'RUNNING') w.shutdown();
    }
    await running;
    log('worker stopped cleanly');
  } finally {
    await connection?.close();
    await clientConnection.close();
    if (queryServer) await new Promise((r) => queryServer.close(r));
    await warehouse.close();
  }
}
