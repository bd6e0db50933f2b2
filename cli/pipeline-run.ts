import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { EdpConfig } from '../workers/config-schema';
import { PIPELINE_STEPS, stepWorkflowId, type PipelineStep } from '../lib/ids';
import { describeInterval, scheduleInterval, type DataInterval } from '../lib/intervals';
import { pipelineStartOptions } from '../workers/workflow-inputs';
import type { BatchIngestResult } from '../workflows/batch-ingest';
import type { RunParams } from '../workflows/pipeline-run';
import type { PlatformPipelineResult } from '../workflows/platform-pipeline';
import { platformPipeline } from '../workflows';
import { extractWarnings } from './extract-warnings';
import { num, progress } from './output';
import { readLoadedQuarantined, rows } from './row-counts';
import { LandingSensorWatch } from './sensor-watch';

/** Web UI address of a workflow run. */
export function webUiLink(config: EdpConfig, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}

/** A pipeline run as {@link startOrAttachPipeline} found it: started now, or already in progress. */
export interface PipelineRun {
  handle: WorkflowHandle<typeof platformPipeline>;
  /** True when a run for the interval was already open and this is that run. */
  attached: boolean;
}

/**
 * Starts platformPipeline for one of the pipeline's schedule intervals (any other is refused: its run would
 * take the id of the slot it starts in); when a run for it is already open, attaches to that run instead of
 * starting a second one (the workflow id is the pipeline name and the interval).
 */
export async function startOrAttachPipeline(
  client: Client,
  config: EdpConfig,
  interval: DataInterval,
  params?: RunParams,
): Promise<PipelineRun> {
  const options = pipelineStartOptions(config, scheduleInterval(interval, config.pipeline.intervalHours), params);
  try {
    return { handle: await client.workflow.start(platformPipeline, options), attached: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { handle: client.workflow.getHandle(options.workflowId), attached: true };
    throw err;
  }
}

/** {@link startOrAttachPipeline}'s run handle alone. */
export async function startPipeline(
  client: Client,
  config: EdpConfig,
  interval: DataInterval,
  params?: RunParams,
): Promise<WorkflowHandle<typeof platformPipeline>> {
  return (await startOrAttachPipeline(client, config, interval, params)).handle;
}

/** The progress line of a run just started or joined. */
export function startedLine(run: PipelineRun): string {
  return run.attached
    ? `attached to the run already in progress: ${run.handle.workflowId}`
    : `started ${run.handle.workflowId}`;
}

/** Prints each child step's status as it changes until the pipeline closes; returns its result. */
export async function watchPipeline(
  client: Client,
  handle: WorkflowHandle<typeof platformPipeline>,
  pipeline: string,
  interval: DataInterval,
  since: number,
): Promise<PlatformPipelineResult> {
  const seen = new Map<PipelineStep, string>();
  const sensor = new LandingSensorWatch(client, (line) => progress(since, `ingest    ${line}`));
  const result = handle.result();
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  const poll = async (): Promise<void> => {
    for (const step of PIPELINE_STEPS) {
      try {
        const id = stepWorkflowId(pipeline, step, interval);
        const d = await client.workflow.getHandle(id).describe();
        if (d.runId && seen.get(step) !== `${d.runId}:${d.status.name}` && d.startTime >= new Date(since - 1000)) {
          seen.set(step, `${d.runId}:${d.status.name}`);
          progress(since, `${step.padEnd(9)} ${d.status.name.toLowerCase()}`);
        }
        if (step === 'ingest' && d.status.name === 'RUNNING') await sensor.poll(id);
      } catch {
        /* not started yet */
      }
    }
  };
  while (!done) {
    await poll();
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 300))]);
  }
  await poll(); // steps that started and finished between two polls
  return result;
}

/** Unmatched names printed one per line; the rest are counted. */
const LISTED_UNMATCHED = 10;

/** The ingest step's lines of the run summary: counts, then every file quarantined, duplicated or unmatched. */
export function ingestSummaryLines(i: BatchIngestResult): string[] {
  const pad = ' '.repeat(13);
  const lines = [
    `  ingest     ${num(i.fileCount)} files, ${i.extracts.length} tables: ${readLoadedQuarantined(i.rowsIn, i.rowsLoaded, i.rowsQuarantined)}` +
      (i.alreadyLoaded > 0 ? ` (${num(i.alreadyLoaded)} files already loaded earlier)` : '') +
      (i.batches.length > 0 ? ` in ${i.batches.length} child batches` : '') +
      (i.missing.length > 0 ? `; missing: ${i.missing.join(', ')}` : ''),
  ];
  const extracted = i.extracts.reduce((n, x) => n + x.rowsLoaded + (x.rowsQuarantined ?? 0), 0);
  if (i.rowsLoaded + i.rowsQuarantined + extracted === 0) {
    // A re-run of a loaded interval is fine, but "0 loaded" alone reads like a failure or a bug.
    const files =
      i.alreadyLoaded > 0
        ? `all ${num(i.alreadyLoaded)} files were loaded by an earlier run`
        : i.fileCount === 0
          ? 'no landing files'
          : 'the files held no rows';
    lines.push(
      `${pad}NOTHING NEW LOADED: ${files}${i.extracts.length > 0 ? '; the SQL extracts found no new rows' : ''}`,
    );
  }
  for (const q of i.quarantinedFiles) lines.push(`${pad}QUARANTINED ${q.file}: ${q.reason}`);
  for (const d of i.duplicateFiles)
    lines.push(
      `${pad}DUPLICATE ${d.file}: same content as ${d.duplicateOf}, ${d.skipped ? 'skipped (landing.duplicateFiles: skip)' : 'loaded again'}`,
    );
  if (i.unmatched.total > 0) {
    lines.push(`${pad}UNMATCHED ${num(i.unmatched.total)} files in the landing folder match no entity pattern:`);
    for (const f of i.unmatched.files.slice(0, LISTED_UNMATCHED)) lines.push(`${pad}  ${f}`);
    if (i.unmatched.total > LISTED_UNMATCHED)
      lines.push(`${pad}  … and ${num(i.unmatched.total - LISTED_UNMATCHED)} more`);
  }
  for (const x of i.extracts)
    lines.push(
      `${pad}${x.source}.${x.table} → ${x.target} (${x.mode}): ${readLoadedQuarantined(x.rowsIn, x.rowsLoaded, x.rowsQuarantined)}` +
        (x.mode === 'incremental' ? `, watermark ${x.watermarkBefore ?? 'none'} → ${x.watermarkAfter ?? 'none'}` : ''),
    );
  return lines;
}

/** The summary of a run cancelled while the command watched it (`edp cancel`, the Web UI). */
export function cancelledLine(pipeline: string, interval: DataInterval): string {
  return `Pipeline ${pipeline} ${describeInterval(interval)}: CANCELLED (the step it was in stopped; the later steps did not run)`;
}

/** Prints the run's summary (see {@link summaryLines}). */
export function printSummary(config: EdpConfig, r: PlatformPipelineResult, workflowId: string, runId: string): void {
  for (const line of summaryLines(config, r, workflowId, runId)) console.log(line);
}

/** The run's summary: rows per step in the words of ./row-counts, quality verdict, exported files. */
export function summaryLines(
  config: EdpConfig,
  r: PlatformPipelineResult,
  workflowId: string,
  runId: string,
): string[] {
  const out: string[] = [];
  out.push('', `Pipeline ${r.pipeline} ${describeInterval(r.interval)}: ${r.status.toUpperCase()}`);
  out.push(...ingestSummaryLines(r.ingest));
  out.push(...extractWarnings(r.ingest.extracts, r.interval));
  const built = r.transform.models.filter((m) => m.type !== 'test');
  const tests = r.transform.models.filter((m) => m.type === 'test');
  const count = (ms: typeof built, s: string) => ms.filter((m) => m.status === s).length;
  out.push(
    `  transform  ${count(built, 'success')}/${built.length} models, seeds and snapshots built; tests: ${count(tests, 'success')} passed, ${count(tests, 'warn')} warned, ${count(tests, 'fail')} failed (edp dbt build for the dbt-style view)`,
  );
  for (const m of built)
    out.push(
      `             ${m.status.padEnd(8)} ${m.model}${m.rows !== undefined ? ` (${rows(m.rows, 'written')})` : ''}`,
    );
  for (const m of tests.filter((t) => t.status !== 'success'))
    out.push(`             ${m.status.padEnd(8)} test ${m.model}: ${m.error ?? ''}`);
  out.push(
    `  quality    ${r.quality.passed ? 'passed' : 'BLOCKED'}: ${r.quality.checks} checks, ${r.quality.warnings.length} warnings, ${r.quality.blocking.length} errors`,
  );
  for (const t of r.quality.scores)
    out.push(
      `             score ${t.score.toFixed(2).padStart(6)}%  ${t.table} (${rows(t.rows, 'checked')}: ${num(t.invalidRows)} invalid${t.quarantined ? `, ${num(t.quarantined)} quarantined` : ''})`,
    );
  for (const c of [...r.quality.blocking, ...r.quality.warnings]) {
    const samples = c.sampleKeys.length > 0 ? ` e.g. ${c.sampleKeys.join(', ')}` : '';
    out.push(`             ${c.severity.padEnd(5)} ${c.table} ${c.rule}: ${c.message}${samples}`);
  }
  if (r.export)
    for (const m of r.export.marts)
      out.push(
        `  export     ${m.mart}: ${rows(m.rows, 'exported')} → Delta table ${m.path} (version ${m.deltaVersion}, ${m.mode})`,
      );
  else out.push('  export     skipped (quality gate blocked publishing)');
  out.push('', `Web UI: ${webUiLink(config, workflowId, runId)}`);
  return out;
}
