import { ENGINES, singleWriterOf, WarehouseLockedError, type Warehouse } from '../activities/warehouse';
import { ConfigError } from '../lib/errors';
import type { EdpConfig } from './config-schema';
import { openWarehouse } from './warehouse-factory';

/** The process holding a file, as the engine's lock error names it (DuckDB: `… (PID 1234) …`). */
const holderPid = (message: string): string => /\bPID (\d+)/i.exec(message)?.[1] ?? 'unknown';

/**
 * The refusal a second worker on a single-writer file gets: which file, which process holds it, and the
 * ways out (one worker with more slots, a `--role workflows` worker beside it, or an engine many workers share).
 */
export function heldFileError(config: EdpConfig, file: string, cause: Error): ConfigError {
  const shared = ENGINES.filter((e) => !e.singleWriter).map((e) => e.name);
  return new ConfigError(
    `${file} is held by another worker (pid ${holderPid(cause.message)}): ${config.warehouse.engine} allows one worker ` +
      `per file. Run one worker and raise worker.activities.maxConcurrentActivityTaskExecutions, add workers with ` +
      `\`edp worker --role workflows\` only, or for many activity workers use warehouse.engine: ${shared.join(' or ')} ` +
      `(docs/deploy.md#worker-roles)`,
    { fix: 'warehouse.engine', cause },
  );
}

/** Opens the warehouse for a worker; a single-writer file another worker holds is a {@link heldFileError}. */
export async function openWorkerWarehouse(config: EdpConfig): Promise<Warehouse> {
  const held = singleWriterOf(config.warehouse);
  return openWarehouse(config).catch((err: Error) => {
    throw held && err instanceof WarehouseLockedError ? heldFileError(config, held.file, err) : err;
  });
}
