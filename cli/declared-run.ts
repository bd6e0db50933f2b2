import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describeInterval, type DataInterval } from '../lib/intervals';
import type { EdpConfig } from '../workers/config-schema';
import { pipelineRunStartOptions } from '../workers/pipeline-input';
import { pipelineRun } from '../workflows';
import type { PipelineRunResult, RunParams } from '../workflows/pipeline-run';
import { webUiLink } from './pipeline-run';
import { temporalClient } from './session';

/**
 * Starts a declared pipeline's run for an interval; when one is already open for it, attaches to that run
 * (the workflow id is the pipeline name and the interval, so a trigger and `edp run` never run it twice at once).
 */
export async function startDeclaredRun(
  client: Client,
  config: EdpConfig,
  name: string,
  interval: DataInterval,
  params?: RunParams,
): Promise<WorkflowHandle<typeof pipelineRun>> {
  const options = pipelineRunStartOptions(config, name, interval, params);
  try {
    return await client.workflow.start(pipelineRun, options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(options.workflowId);
    throw err;
  }
}

/** The run's result, also when it failed (the failure carries it). */
async function settled(handle: WorkflowHandle<typeof pipelineRun>): Promise<PipelineRunResult> {
  try {
    return await handle.result();
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    const result =
      cause instanceof ApplicationFailure ? (cause.details?.[0] as PipelineRunResult | undefined) : undefined;
    if (result) return result;
    throw err;
  }
}

/** Runs a declared pipeline for one interval, waits and prints each step's outcome; true when it succeeded. */
export async function runDeclared(
  config: EdpConfig,
  name: string,
  interval: DataInterval,
  params: RunParams | undefined,
  log: (m: string) => void,
): Promise<boolean> {
  const { client, close } = await temporalClient(config);
  try {
    const handle = await startDeclaredRun(client, config, name, interval, params);
    log(`started ${handle.workflowId} for ${describeInterval(interval)}`);
    const r = await settled(handle);
    log(`\nPipeline ${r.pipeline} ${describeInterval(r.interval)}: ${r.status.toUpperCase()}`);
    for (const s of r.steps)
      log(`  ${s.step.padEnd(16)} ${s.kind.padEnd(9)} ${s.status.padEnd(9)} ${s.summary ?? s.error ?? ''}`);
    for (const t of r.triggered) log(`  triggered ${t}`);
    const { runId } = await handle.describe();
    log(`\nWeb UI: ${webUiLink(config, handle.workflowId, runId)}`);
    return r.status === 'succeeded';
  } finally {
    await close();
  }
}
