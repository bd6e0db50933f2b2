import type { Client } from '@temporalio/client';
import { planBackfill, type BackfillMode, type IntervalState } from '../lib/backfill-plan';
import type { EdpConfig } from '../workers/config-schema';
import { describeInterval, makeInterval, scheduleIntervals, type DataInterval } from '../lib/intervals';
import { EDP_INTERVAL_START, EDP_STATUS } from '../lib/search-attributes';
import { progress, table } from './output';
import { describeFailure } from './failure-chain';
import { startedLine, startOrAttachPipeline } from './pipeline-run';
import { interruptibleWait } from './run-wait';
import { temporalClient, UsageError, withWorker } from './session';

/** Options of `edp backfill`. */
export interface BackfillOptions {
  from: Date;
  to: Date;
  mode: BackfillMode;
  /** Pipelines running at once. */
  concurrency: number;
  dryRun: boolean;
}

/** The latest run's state per interval start (ISO), from Temporal's visibility store. */
export async function latestStates(
  client: Client,
  config: EdpConfig,
  from: Date,
  to: Date,
): Promise<Map<string, IntervalState>> {
  const query = [
    `WorkflowType = 'platformPipeline'`,
    `EdpPipeline = '${config.pipeline.name}'`,
    `EdpIntervalStart >= '${from.toISOString()}'`,
    `EdpIntervalStart < '${to.toISOString()}'`,
  ].join(' AND ');
  const latest = new Map<string, { started: number; state: IntervalState }>();
  for await (const wf of client.workflow.list({ query })) {
    const start = wf.typedSearchAttributes.get(EDP_INTERVAL_START)?.toISOString();
    if (!start) continue;
    const status = wf.typedSearchAttributes.get(EDP_STATUS);
    const state: IntervalState =
      wf.status.name === 'RUNNING'
        ? 'running'
        : status === 'succeeded'
          ? 'succeeded'
          : status === 'blocked'
            ? 'blocked'
            : wf.status.name === 'CANCELLED'
              ? 'cancelled'
              : 'failed';
    const seen = latest.get(start);
    if (!seen || wf.startTime.getTime() > seen.started) latest.set(start, { started: wf.startTime.getTime(), state });
  }
  return new Map([...latest].map(([k, v]) => [k, v.state]));
}

/**
 * `edp backfill`: runs platformPipeline for the schedule intervals making up [from, to) that the mode selects
 * (Airflow 3's reprocess behaviours), at most `concurrency` at a time; exit 1 when any run fails.
 */
export async function backfill(config: EdpConfig, o: BackfillOptions, log: (m: string) => void): Promise<number> {
  if (!(o.to > o.from)) throw new UsageError('--to must be after --from');
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
    throw new UsageError('--concurrency must be a whole number ≥ 1');
  // --from and --to must be schedule boundaries: a run never covers more or less than the range asked for.
  const intervals = scheduleIntervals(makeInterval(o.from, o.to), config.pipeline.intervalHours);
  const since = Date.now();
  const { client, close } = await temporalClient(config);
  try {
    const states = await latestStates(client, config, o.from, o.to);
    const plan = planBackfill(intervals, (i) => states.get(i.start) ?? 'none', o.mode);
    console.log(
      table(
        plan.map((s) => ({
          interval: describeInterval(s.interval),
          'last run': s.state,
          action: s.run ? 'run' : 'skip',
          why: s.reason,
        })),
      ),
    );
    const todo = plan.filter((s) => s.run).map((s) => s.interval);
    console.log(
      `\n${todo.length} of ${plan.length} intervals to run (mode ${o.mode}, concurrency ${o.concurrency})${o.dryRun ? ' — dry run, nothing started' : ''}`,
    );
    if (o.dryRun || todo.length === 0) return 0;

    const waiting = new Set<string>();
    const outcomes = await interruptibleWait(
      config,
      () => [...waiting],
      () =>
        withWorker(
          config,
          async () => {
            const results: Array<{ interval: DataInterval; status: string }> = [];
            let next = 0;
            const lane = async (): Promise<void> => {
              while (next < todo.length) {
                const interval = todo[next++];
                const run = await startOrAttachPipeline(client, config, interval);
                const id = run.handle.workflowId;
                waiting.add(id);
                progress(since, startedLine(run));
                const status = await run.handle.result().then(
                  (r) => r.status,
                  (err: unknown) => `failed: ${describeFailure(err)}`,
                );
                waiting.delete(id);
                progress(since, `${id} ${status}`);
                results.push({ interval, status });
              }
            };
            await Promise.all(Array.from({ length: Math.min(o.concurrency, todo.length) }, lane));
            return results;
          },
          log,
        ),
    );
    const failed = outcomes.filter((r) => r.status !== 'succeeded');
    progress(
      since,
      `backfill done: ${outcomes.length - failed.length} succeeded, ${failed.length} not (${failed.map((f) => describeInterval(f.interval)).join(', ') || 'none'})`,
    );
    return failed.length > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
