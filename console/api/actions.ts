import { listDeadLetters } from '../../cli/dead-letter-commands';
import { latestStates } from '../../cli/backfill-command';
import { startPipeline } from '../../cli/pipeline-run';
import { planBackfill, type BackfillMode } from '../../lib/backfill-plan';
import { BadInputError } from '../../lib/errors';
import { clearWorkflowId, pipelineScheduleId } from '../../lib/ids';
import { intervalsBetween, makeInterval, type DataInterval } from '../../lib/intervals';
import { intervalTransformStartOptions } from '../../workers/workflow-inputs';
import { transform } from '../../workflows';
import type { ConsoleContext } from '../context';
import { withDescendants } from '../project-graph';

/** What an action did: a message for the person and the workflow or schedule ids it started or changed. */
export interface ActionOutcome {
  message: string;
  started: string[];
}

/** An action's handler: the signed-in user and the form's fields. */
type Action = (ctx: ConsoleContext, user: string, body: Record<string, unknown>) => Promise<ActionOutcome>;

const text = (body: Record<string, unknown>, key: string): string => {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '') throw new BadInputError(`"${key}" is required`);
  return v.trim();
};

const instant = (body: Record<string, unknown>, key: string): Date => {
  const d = new Date(text(body, key));
  if (Number.isNaN(d.getTime())) throw new BadInputError(`"${key}" is not a date: ${String(body[key])}`);
  return d;
};

/** The pipeline's interval starting at `start` (which must be one of its interval starts). */
function intervalAt(ctx: ConsoleContext, start: Date): DataInterval {
  const [interval] = intervalsBetween(start, new Date(start.getTime() + 1), ctx.config.pipeline.intervalHours);
  if (!interval || interval.start !== start.toISOString())
    throw new BadInputError(
      `${start.toISOString()} does not start a ${ctx.config.pipeline.intervalHours}-hour interval`,
    );
  return interval;
}

/** dbt vars from the form: a JSON object, or nothing. */
function varsOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const v = body.vars;
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      throw new BadInputError('dbt vars must be a JSON object, e.g. {"lookback_days": 3}');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadInputError('dbt vars must be a JSON object, e.g. {"lookback_days": 3}');
  return parsed as Record<string, unknown>;
}

/** Starts the pipeline for each interval (attaching to a run already open). */
async function runIntervals(ctx: ConsoleContext, user: string, intervals: DataInterval[]): Promise<string[]> {
  const client = ctx.clientAs(user);
  const ids: string[] = [];
  for (const i of intervals) ids.push((await startPipeline(client, ctx.config, i)).workflowId);
  return ids;
}

/** Runs the intervals in [from, to) that `mode` selects (as `edp backfill` does), without waiting for them. */
async function backfill(
  ctx: ConsoleContext,
  user: string,
  from: Date,
  to: Date,
  mode: BackfillMode,
): Promise<ActionOutcome> {
  if (!(to > from)) throw new BadInputError('"to" must be after "from"');
  const intervals = intervalsBetween(from, to, ctx.config.pipeline.intervalHours);
  const states = await latestStates(ctx.client, ctx.config, from, to);
  const todo = planBackfill(intervals, (i) => states.get(i.start) ?? 'none', mode).filter((s) => s.run);
  const started = await runIntervals(
    ctx,
    user,
    todo.map((s) => s.interval),
  );
  return { message: `backfill (${mode}): started ${started.length} of ${intervals.length} intervals`, started };
}

/** The console's actions by name; each goes through Temporal. */
export const ACTIONS: Record<string, Action> = {
  run: async (ctx, user, body) => {
    const started = await runIntervals(ctx, user, [intervalAt(ctx, instant(body, 'interval'))]);
    return { message: `started ${started[0]}`, started };
  },
  backfill: (ctx, user, body) => {
    const mode = text(body, 'mode');
    if (!['missing', 'failed', 'all'].includes(mode)) throw new BadInputError('mode is one of missing, failed, all');
    return backfill(ctx, user, instant(body, 'from'), instant(body, 'to'), mode as BackfillMode);
  },
  'rerun-failed': async (ctx, user) => {
    const failed = (await ctx.runs.recent(ctx.config.console.gridIntervals)).filter(
      (r) => r.pipeline?.status === 'failed',
    );
    const started = await runIntervals(
      ctx,
      user,
      failed.map((r) => r.interval),
    );
    return { message: `re-running ${started.length} failed intervals`, started };
  },
  clear: async (ctx, user, body) => {
    const interval = intervalAt(ctx, instant(body, 'interval'));
    const id = text(body, 'node');
    const graph = ctx.project.current();
    const node = graph.nodes.find((n) => n.id === id);
    if (!node) throw new BadInputError(`${id} is not a model, seed or snapshot of ${ctx.config.transform.projectDir}`);
    const workflowId = clearWorkflowId(ctx.config.pipeline.name, interval, new Date());
    const handle = await ctx.clientAs(user).workflow.start(
      transform,
      intervalTransformStartOptions(ctx.config, workflowId, interval, {
        select: [`${node.name}+`],
        vars: varsOf(body),
        fullRefresh: body.fullRefresh === true || body.fullRefresh === 'on',
        // Rules run on the rebuilt tables, as in the pipeline, so quarantined rows stay out of what is downstream.
        qualityRunId: workflowId,
      }),
    );
    const n = withDescendants(graph, id).size;
    return {
      message: `clearing ${node.name} and ${n - 1} downstream for ${interval.start}: ${handle.workflowId}`,
      started: [handle.workflowId],
    };
  },
  pause: async (ctx, user, body) => {
    const id = pipelineScheduleId(ctx.config.pipeline.name);
    const why = typeof body.note === 'string' && body.note.trim() ? `: ${body.note.trim()}` : '';
    await ctx.clientAs(user).schedule.getHandle(id).pause(`paused by ${user} in the console${why}`);
    return { message: `paused ${id}`, started: [id] };
  },
  unpause: async (ctx, user) => {
    const id = pipelineScheduleId(ctx.config.pipeline.name);
    await ctx.clientAs(user).schedule.getHandle(id).unpause(`unpaused by ${user} in the console`);
    return { message: `unpaused ${id}`, started: [id] };
  },
  'retry-dead-letters': async (ctx, user) => {
    // As `edp dead-letters retry --all`, but started as the console user so Temporal records who retried.
    const open = await listDeadLetters(ctx.config, true);
    const intervals = new Map(
      open.map((r) => [r.interval_start, makeInterval(new Date(r.interval_start), new Date(r.interval_end))]),
    );
    const started = await runIntervals(ctx, user, [...intervals.values()]);
    return {
      message: started.length ? `retrying ${started.length} intervals: ${started.join(', ')}` : 'nothing to retry',
      started,
    };
  },
};

/** Runs an action and records it (who, when, what, what it started) in the console's action log. */
export async function runAction(
  ctx: ConsoleContext,
  name: string,
  user: string,
  body: Record<string, unknown>,
): Promise<ActionOutcome> {
  const action = ACTIONS[name];
  if (!action) throw new BadInputError(`no action "${name}"; one of ${Object.keys(ACTIONS).join(', ')}`);
  const target = ['interval', 'node', 'from', 'to', 'mode']
    .flatMap((k) => (typeof body[k] === 'string' ? [`${k}=${String(body[k])}`] : []))
    .join(' ');
  const at = new Date().toISOString();
  try {
    const out = await action(ctx, user, body);
    ctx.actions.record({ at, user, action: name, target, started: out.started });
    return out;
  } catch (err) {
    ctx.actions.record({ at, user, action: name, target, started: [], error: (err as Error).message });
    throw err;
  }
}
