import { resolve } from 'node:path';
import type { TransformResult } from '../workflows/transform';
import type { EdpConfig } from '../workers/config-schema';
import { CliError } from './cli-errors';
import { resultOrCause } from './failure-chain';
import { interruptibleWait } from './run-wait';
import { temporalClient } from './session';

/** Which transform run's results to write, and into which project's target folder. */
export interface RunResultsRequest {
  workflowId: string;
  projectDir?: string;
}

/** The dbt command a transform workflow ran, read from its id (`edp-dbt-<command>-…`); a pipeline's transform step builds. */
function commandOf(workflowId: string): string {
  return /^edp-dbt-([a-z]+)-/.exec(workflowId)?.[1] ?? 'build';
}

/**
 * `edp dbt run-results <workflow id>`: waits for a transform run to end (`edp dbt … --no-wait`, or the
 * transform step of a pipeline run, `edp-transform-<pipeline>-<interval start>`) and writes its
 * target/run_results.json: the full copy the run stored itself when this host can read it, else one rebuilt
 * from the workflow's result (without `compiled_code` or `relation_name`). Says which.
 */
export async function dbtRunResults(
  config: EdpConfig,
  req: RunResultsRequest,
  log: (m: string) => void,
): Promise<number> {
  const projectDir = resolve(req.projectDir ?? config.transform.projectDir);
  const { client, close } = await temporalClient(config);
  try {
    const handle = client.workflow.getHandle(req.workflowId);
    const info = await handle.describe().catch((err: unknown) => {
      throw new CliError(`no workflow ${req.workflowId} in namespace ${config.temporal.namespace}: ${String(err)}`);
    });
    if (info.type !== 'transform')
      throw new CliError(`${req.workflowId} is a ${info.type} workflow, not a transform run`);
    const command = commandOf(req.workflowId);
    const result: TransformResult = await interruptibleWait(
      config,
      () => [req.workflowId],
      () => resultOrCause(command, handle.result() as Promise<TransformResult>),
    );
    const { copyRunResults, runResultsFile, storedRunResultsOf, writeRunResults } =
      await import('../activities/transform');
    const counts = `${result.models.length} nodes, ${result.failed} failed`;
    const stored = storedRunResultsOf(result.runResults, req.workflowId, info.runId);
    if ('file' in stored) {
      const file = runResultsFile(projectDir);
      if (resolve(stored.file) === resolve(file))
        log(`${file}: as the run wrote it, with compiled_code and relation_name (${counts})`);
      else {
        copyRunResults(stored.file, file);
        log(`Wrote ${file}: the run's own copy ${stored.file}, with compiled_code and relation_name (${counts})`);
      }
    } else {
      const file = writeRunResults(projectDir, result.models, { command, startedAt: info.startTime, args: {} });
      log(
        `Wrote ${file} from the workflow's result, without compiled_code or relation_name: ${stored.missing} (${counts})`,
      );
    }
    return result.failed > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
