import type { Client } from '@temporalio/client';
import { chosenEngine, singleWriterOf } from '../activities/warehouse/warehouse-config';
import { openWarehouse } from '../workers/warehouse-factory';
import type { EdpConfig } from '../workers/config-schema';
import { liveWorker, localWorkersServe } from './worker-daemon';
import { EdpError } from '../lib/errors';
import { CliError } from './cli-errors';
import { postJson } from './loopback-post';
import type { AuditSource } from '../activities/audit/audit-source';
import type { Row } from '../activities/warehouse/warehouse';
import type { QueryRequest, WorkerLease } from '../workers/query-server';

export { CliError, UsageError } from './cli-errors';

/** A Temporal client for the configured server, with a clear error when it is not running. */
export async function temporalClient(config: EdpConfig): Promise<{ client: Client; close: () => Promise<void> }> {
  // Imported here, not above: `edp query` and the other warehouse-only commands never load Temporal's client.
  const { Client } = await import('@temporalio/client');
  const { dataConverterFor } = await import('../workers/payload-codec');
  const { connectClientConnection } = await import('../workers/temporal-connection');
  const connection = await connectClientConnection(config.temporal, { connectTimeout: '5s' }).catch((err: Error) => {
    // A refused certificate, key or login: the message names the config key to change.
    if (err instanceof EdpError) throw new CliError(err.message);
    throw new CliError(
      `cannot reach Temporal at ${config.temporal.address} (${err.message}); start it with \`npx edp up\``,
    );
  });
  let dataConverter;
  try {
    dataConverter = dataConverterFor(config);
  } catch (err) {
    await connection.close();
    throw new CliError((err as Error).message);
  }
  return {
    client: new Client({ connection, namespace: config.temporal.namespace, dataConverter }),
    close: () => connection.close(),
  };
}

/**
 * Runs `fn` with a worker available: this host's running workers if they serve the workflows and warehouse
 * queues (on any engine), else one in this process for the duration.
 */
export async function withWorker<T>(config: EdpConfig, fn: () => Promise<T>, log: (m: string) => void): Promise<T> {
  if (localWorkersServe(config)) return fn();
  let stop!: () => void;
  const until = new Promise<void>((r) => (stop = r));
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const { runWorker } = await import('../workers/worker');
  const worker = runWorker(config, { until, onReady: ready, log });
  await Promise.race([isReady, worker]);
  try {
    return await fn();
  } finally {
    stop();
    await worker;
  }
}

/** How {@link withWarehouseReader} and {@link readWarehouse} run statements. */
export interface ReadOptions {
  /** Let statements change the warehouse (`edp query --write`); otherwise only a SELECT of its tables runs. */
  write?: boolean;
}

/** Sends the SQL to the worker holding the warehouse file, with the secret from its lease. */
async function queryWorker(config: EdpConfig, lease: WorkerLease, request: QueryRequest): Promise<Row[]> {
  const res = await postJson(
    `http://127.0.0.1:${lease.port}/query`,
    { authorization: `Bearer ${lease.secret}` },
    JSON.stringify(request),
    10 * 60_000,
  ).catch((err: Error) => {
    throw new CliError(
      `the worker (pid ${lease.pid}) holds ${singleWriterOf(config.warehouse)?.file} but did not answer on port ${lease.port}: ${err.message}`,
    );
  });
  const body = JSON.parse(res.body) as { rows?: Row[]; error?: string };
  if (res.status === 401) {
    throw new CliError(`the worker (pid ${lease.pid}) refused the lease secret (${body.error}); restart the worker`);
  }
  if (body.error !== undefined) throw new CliError(body.error);
  return body.rows ?? [];
}

/** Read access to the warehouse (see {@link withWarehouseReader}) until `close`. */
export interface WarehouseReader {
  reader: AuditSource;
  close(): Promise<void>;
}

/**
 * Opens read access to the warehouse: through the worker's loopback endpoint when a worker holds the
 * engine's single-writer file (DuckDB's), else on the warehouse opened for the call (see docs/warehouse.md).
 * On a single-writer engine, without `write` only a SELECT of the warehouse's tables and views runs, either
 * way. Query errors are {@link CliError}s.
 */
export async function openWarehouseReader(config: EdpConfig, options: ReadOptions = {}): Promise<WarehouseReader> {
  const write = options.write === true;
  const lease = liveWorker(config);
  if (lease) {
    // Only an engine with a single-writer file has a worker serving this endpoint.
    const reader = {
      dialect: chosenEngine(config.warehouse).engine.dialect,
      query: (sql: string) => queryWorker(config, lease, { sql, write }),
    };
    return { reader, close: () => Promise.resolve() };
  }
  const w = await openWarehouse(config).catch((err: Error) => Promise.reject(new CliError(err.message)));
  const readOnly = write ? undefined : singleWriterOf(config.warehouse)?.queryReadOnly;
  const reader = {
    dialect: w.dialect,
    query: (sql: string) =>
      (readOnly ? readOnly(w, sql) : w.query(sql)).catch((err: Error) => Promise.reject(new CliError(err.message))),
  };
  return { reader, close: () => w.close() };
}

/** Runs `fn` with read access to the warehouse (see {@link openWarehouseReader}), closed when it settles. */
export async function withWarehouseReader<T>(
  config: EdpConfig,
  fn: (reader: AuditSource) => Promise<T>,
  options: ReadOptions = {},
): Promise<T> {
  const access = await openWarehouseReader(config, options);
  try {
    return await fn(access.reader);
  } finally {
    await access.close();
  }
}

/** Runs a query on the warehouse (see {@link withWarehouseReader}). */
export function readWarehouse(config: EdpConfig, sql: string, options: ReadOptions = {}): Promise<Row[]> {
  return withWarehouseReader(config, (reader) => reader.query(sql), options);
}
