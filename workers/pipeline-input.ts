import type { EdpConfig } from './config-schema';
import type { DataInterval } from '../lib/intervals';
import type { PlatformPipelineInput } from '../workflows/platform-pipeline';

/** The platformPipeline input for a config: everything the workflow needs, so workflows never read config. */
export function pipelineInput(config: EdpConfig, interval?: DataInterval): PlatformPipelineInput {
  return {
    pipeline: config.pipeline.name,
    interval,
    intervalHours: config.pipeline.intervalHours,
    steps: {
      warehouseTaskQueue: config.temporal.taskQueues.warehouse,
      heartbeatSeconds: config.pipeline.heartbeatSeconds,
      retries: config.pipeline.retries,
    },
    sensor: config.pipeline.sensor,
    ingest: config.pipeline.ingest,
    sqlTables: config.sources.flatMap((s) => s.tables.map((t) => ({ source: s.name, table: t.name }))),
    marts: config.export.marts.map((m) => ({ ...m })),
    threads: config.transform.threads,
  };
}
