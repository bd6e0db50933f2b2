import type { Client } from '@temporalio/client';
import { readDeadLetters } from '../activities/audit';
import type { EdpConfig } from '../workers/config-schema';
import { pipelineWorkflowId } from '../lib/ids';
import { makeInterval } from '../lib/intervals';
import { table } from './output';
import { startPipeline, webUiLink } from './pipeline-run';
import { CliError, temporalClient, UsageError, withWarehouseReader } from './session';

/** A dead letter as listed, with what happened to its interval since. */
export interface DeadLetterRow {
  run_id: string;
  workflow_id: string;
  interval_start: string;
  interval_end: string;
  step: string;
  error: string;
  failed_at: string;
  /** The interval's latest pipeline run now: `COMPLETED` means it was retried successfully. */
  latest_run?: string;
}

async function deadLetters(config: EdpConfig): Promise<DeadLetterRow[]> {
  try {
    const letters = await withWarehouseReader(config, (reader) => readDeadLetters(reader, config.pipeline.name));
    return letters.map((l) => ({
      run_id: l.runId,
      workflow_id: l.workflowId,
      interval_start: l.intervalStart,
      interval_end: l.intervalEnd,
      step: l.step,
      error: l.error,
      failed_at: l.failedAt,
    }));
  } catch (err) {
    if (/does not exist/.test((err as Error).message)) return [];
    throw err;
  }
}

/**
 * The status of the interval's most recent pipeline run: the manual run (its id is the interval's,
 * read directly, so it is never stale) or a scheduled one (from visibility).
 */
async function latestRun(client: Client, config: EdpConfig, row: DeadLetterRow): Promise<string> {
  let latest: { start: number; status: string } | undefined;
  const consider = (start: Date, status: string): void => {
    if (!latest || start.getTime() > latest.start) latest = { start: start.getTime(), status };
  };
  const interval = makeInterval(new Date(row.interval_start), new Date(row.interval_end));
  try {
    const d = await client.workflow
      .getHandle(pipelineWorkflowId(config.pipeline.name, interval, config.pipeline.schedule.offsetMinutes))
      .describe();
    consider(d.startTime, d.status.name);
  } catch {
    /* no manual run of this interval */
  }
  const start = new Date(row.interval_start);
  const query = `WorkflowType = 'platformPipeline' AND EdpPipeline = '${config.pipeline.name}' AND EdpIntervalStart >= '${start.toISOString()}' AND EdpIntervalStart < '${new Date(start.getTime() + 1000).toISOString()}'`;
  for await (const wf of client.workflow.list({ query })) consider(wf.startTime, wf.status.name);
  return latest?.status ?? 'none';
}

/** Dead letters with their interval's latest run; `open` keeps those not yet retried successfully. */
export async function listDeadLetters(config: EdpConfig, open: boolean): Promise<DeadLetterRow[]> {
  const rows = await deadLetters(config);
  if (rows.length === 0) return rows;
  const { client, close } = await temporalClient(config);
  try {
    for (const r of rows) r.latest_run = await latestRun(client, config, r);
  } finally {
    await close();
  }
  return open ? rows.filter((r) => r.latest_run !== 'COMPLETED') : rows;
}

/** `edp dead-letters [--all]`: failed runs whose interval has not completed since. */
export async function deadLettersList(config: EdpConfig, all: boolean): Promise<number> {
  const rows = await listDeadLetters(config, !all);
  if (rows.length === 0) {
    console.log(all ? 'no dead letters' : 'no open dead letters (every failed interval has completed since)');
    return 0;
  }
  console.log(
    table(
      rows.map((r) => ({
        run: r.run_id,
        interval: `${r.interval_start}/${r.interval_end}`,
        step: r.step,
        failed: r.failed_at,
        now: r.latest_run,
        error: r.error.length > 120 ? `${r.error.slice(0, 117)}…` : r.error,
      })),
    ),
  );
  console.log(
    `retry with: npx edp dead-letters retry <run> (or --all); full failures: ${webUiLink(config, rows[0].workflow_id)}`,
  );
  return 0;
}

/**
 * `edp dead-letters retry <run-id> | --all`: starts the pipeline again for each dead letter's interval.
 * Every step is idempotent, so what completed before (loaded files, built models) is not redone twice.
 */
export async function deadLettersRetry(
  config: EdpConfig,
  runIds: string[],
  all: boolean,
  log: (m: string) => void,
): Promise<number> {
  if (!all && runIds.length === 0)
    throw new UsageError('dead-letters retry needs run ids (from `edp dead-letters`) or --all');
  const open = await listDeadLetters(config, true);
  const chosen = all ? open : open.filter((r) => runIds.includes(r.run_id));
  const unknown = runIds.filter((id) => !open.some((r) => r.run_id === id));
  if (unknown.length > 0)
    throw new CliError(`not an open dead letter: ${unknown.join(', ')} (see \`edp dead-letters\`)`);
  const { client, close } = await temporalClient(config);
  try {
    const intervals = new Set<string>();
    for (const r of chosen) {
      if (intervals.has(r.interval_start)) continue; // several failures of one interval: one retry
      intervals.add(r.interval_start);
      const handle = await startPipeline(
        client,
        config,
        makeInterval(new Date(r.interval_start), new Date(r.interval_end)),
      );
      log(
        `retrying ${r.interval_start}/${r.interval_end} (failed in ${r.step}) as ${handle.workflowId}: ${webUiLink(config, handle.workflowId)}`,
      );
    }
    if (intervals.size === 0) log('nothing to retry');
    return 0;
  } finally {
    await close();
  }
}
