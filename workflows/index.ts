/** Every workflow type the worker registers; these names are what users type into the `temporal` CLI. */
export { platformPipeline } from './platform-pipeline';
export { batchIngest } from './batch-ingest';
export { loadFileBatch } from './load-file-batch';
export { transform } from './transform';
export { qualityGate } from './quality-gate';
export { databricksExport } from './databricks-export';
export { slaCheck } from './sla-check';
export { streamingIngest } from './streaming-ingest';
export { streamingMonitor } from './streaming-monitor';
export { streamingBackfill } from './streaming-backfill';
export { realtimeRefresh } from './realtime-refresh';
export { pipelineRun } from './pipeline-run';
