import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { webUiLink } from '../../cli/pipeline-run';
import { workerLog } from '../../cli/worker-daemon';
import type { ConsoleContext } from '../context';
import { nodeSql, withDescendants, type ProjectNode } from '../project-graph';
import { nodeRunsOf, payloadDecoder, summaryNames } from '../../cli/transform-node-runs';
import type { CellStatus, NodeRun, RunRef } from '../temporal-runs';
import { PIPELINE_ROW, stepRowId } from './grid';
import { PIPELINE_STEPS } from '../../lib/ids';
import { BadInputError } from '../../lib/errors';

/** One test of a node in the interval. */
export interface TestDetail {
  name: string;
  status: CellStatus;
  rows?: number;
  error?: string;
}

/** Everything the console shows about one cell of the grid: outcome, attempts, SQL, tests, log lines, links. */
export interface CellDetail {
  interval: string;
  row: string;
  label: string;
  status: CellStatus;
  run?: RunRef;
  /** The Web UI page of the run (its history lists the node's activity). */
  link?: string;
  /** The Web UI page of the node's `runNode` activity: its last scheduled event in the run's history. */
  activityLink?: string;
  durationMs?: number;
  rows?: number;
  quarantined?: number;
  error?: string;
  /** Attempts of the node's activity (1 when it never retried). */
  attempts?: number;
  by?: NodeRun['by'];
  sql?: { kind: 'run' | 'compiled' | 'source'; sql: string };
  tests?: TestDetail[];
  /** The node and its descendants: what clear + downstream re-runs. */
  downstream?: string[];
  logLines?: string[];
}

/** Lines of the background worker's log (its last 2 MB) that name both the run and the node. */
function logLinesOf(ctx: ConsoleContext, workflowId: string, name: string): string[] {
  const file = workerLog(ctx.config);
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  const length = Math.min(size, 2 * 1024 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.includes(workflowId) && l.includes(name))
    .slice(-40);
}

/**
 * How many times the node's `runNode` was attempted in the run, and the id of the event that stands for its last
 * run in the run's history: the activity's scheduled event, or the local activity's marker when the workflow
 * worker ran the node itself.
 */
async function activityOf(
  ctx: ConsoleContext,
  ref: RunRef,
  nodeId: string,
  node: ProjectNode | undefined,
): Promise<{ attempts?: number; eventId?: number }> {
  const history = await ctx.client.workflow.getHandle(ref.workflowId, ref.runId).fetchHistory();
  const runs = (await nodeRunsOf(history.events ?? [], payloadDecoder(ctx.client))).filter((r) =>
    r.nodeId === undefined ? node !== undefined && summaryNames(r.summary, node) : r.nodeId === nodeId,
  );
  const attempts = runs.flatMap((r) => r.attempts);
  return { attempts: attempts.length ? Math.max(...attempts) : undefined, eventId: runs.at(-1)?.eventId };
}

/** The detail of one grid cell; undefined when the interval never ran. */
export async function cellDetail(
  ctx: ConsoleContext,
  intervalStart: string,
  row: string,
): Promise<CellDetail | undefined> {
  const start = new Date(intervalStart);
  if (Number.isNaN(start.getTime())) throw new BadInputError(`interval "${intervalStart}" is not an instant`);
  const runs = await ctx.runs.of({ start: start.toISOString(), end: new Date(start.getTime() + 1).toISOString() });
  if (!runs) return undefined;
  const link = (r?: RunRef) => (r ? webUiLink(ctx.config, r.workflowId, r.runId) : undefined);
  if (row === PIPELINE_ROW) {
    const p = runs.pipeline;
    const error = p?.status === 'failed' ? await failureOf(ctx, p) : undefined;
    return {
      interval: intervalStart,
      row,
      label: 'pipeline run',
      status: p?.status ?? 'none',
      run: p,
      link: link(p),
      error,
    };
  }
  const step = PIPELINE_STEPS.find((s) => stepRowId(s) === row);
  if (step) {
    const s = runs.steps.find((x) => x.step === step);
    const ref = s?.workflowId && s.runId ? (s as RunRef) : undefined;
    const error = s?.status === 'failed' && ref ? await failureOf(ctx, ref) : undefined;
    return {
      interval: intervalStart,
      row,
      label: step,
      status: s?.status ?? 'none',
      run: ref,
      link: link(ref),
      durationMs: s?.durationMs,
      error,
    };
  }
  const graph = ctx.project.current();
  const node = graph.nodes.find((n) => n.id === row);
  const n = runs.nodes[row];
  const label = node?.name ?? row;
  const detail: CellDetail = {
    interval: intervalStart,
    row,
    label,
    status: n?.status ?? 'none',
    sql: nodeSql(graph.manifest, row),
    downstream: node
      ? [...withDescendants(graph, row)].map((id) => graph.nodes.find((x) => x.id === id)?.name ?? id)
      : undefined,
    tests: node?.tests.map((t) => {
      const r = runs.nodes[t];
      return { name: graph.manifest.nodes[t]?.name ?? t, status: r?.status ?? 'none', rows: r?.rows, error: r?.error };
    }),
  };
  if (!n) return detail;
  const activity: { attempts?: number; eventId?: number } =
    n.status === 'skipped' ? { attempts: 0 } : await activityOf(ctx, n, row, node).catch(() => ({}));
  return {
    ...detail,
    run: n,
    link: link(n),
    durationMs: n.durationMs,
    rows: n.rows,
    quarantined: n.quarantined,
    error: n.error,
    by: n.by,
    attempts: activity.attempts,
    // The Web UI's route to one history event (temporalio/ui `history/events/[id]`) opens the activity itself.
    activityLink: activity.eventId !== undefined ? `${link(n)}/history/events/${activity.eventId}` : undefined,
    logLines: logLinesOf(ctx, n.workflowId, label),
  };
}

/** The failure message of a closed run that failed. */
async function failureOf(ctx: ConsoleContext, ref: RunRef): Promise<string | undefined> {
  const err = await ctx.client.workflow
    .getHandle(ref.workflowId, ref.runId)
    .result()
    .then(
      () => undefined,
      (e: Error) => e,
    );
  if (!err) return undefined;
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.message) parts.push(e.message);
  return parts.join(': ');
}
