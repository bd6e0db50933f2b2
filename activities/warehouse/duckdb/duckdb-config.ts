import { z } from 'zod';
import { port, positiveInt } from '../../../lib/config/primitives';

const SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** The `warehouse.duckdb` section: the embedded warehouse file and its settings; always present, with defaults. */
export const duckdbConfigSchema = z
  .object({
    path: z.string().min(1).default('warehouse.duckdb'),
    threads: positiveInt.optional(),
    memoryLimit: z.string().regex(SIZE, 'expected a size such as 4GB').optional(),
    /**
     * WAL size that triggers a checkpoint. DuckDB's 16MB would checkpoint after nearly every file
     * load; larger means fewer, bigger checkpoints and a longer WAL replay after a crash.
     */
    checkpointThreshold: z.string().regex(SIZE, 'expected a size such as 256MB').default('256MB'),
    /** Loopback port where the worker answers `edp query` while it holds the DuckDB file. */
    queryPort: port.default(8299),
  })
  .strict()
  .default({});
/** The validated `warehouse.duckdb` section. */
export type DuckDbConfig = z.infer<typeof duckdbConfigSchema>;
