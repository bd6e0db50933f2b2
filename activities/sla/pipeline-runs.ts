import type { Client } from '@temporalio/client';
import { EDP_INTERVAL_START } from '../../lib/search-attributes';
import type { RunInfo } from './sla-evaluate';

/**
 * The pipeline's runs (every attempt) of `workflowType` (`platformPipeline`, or `pipelineRun` for a declared
 * pipeline) whose interval starts at or after `since`, from Temporal's visibility.
 */
export async function listPipelineRuns(
  client: Client,
  pipeline: string,
  since: Date,
  workflowType = 'platformPipeline',
): Promise<RunInfo[]> {
  const runs: RunInfo[] = [];
  const query = `WorkflowType = '${workflowType.replace(/'/g, '')}' AND EdpPipeline = '${pipeline.replace(/'/g, '')}' AND EdpIntervalStart >= '${since.toISOString()}'`;
  for await (const wf of client.workflow.list({ query })) {
    const intervalStart = wf.typedSearchAttributes.get(EDP_INTERVAL_START);
    if (!intervalStart) continue;
    runs.push({ intervalStart, status: wf.status.name, closeTime: wf.closeTime });
  }
  return runs;
}
