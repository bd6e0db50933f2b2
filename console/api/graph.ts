import type { ConsoleContext } from '../context';
import { layoutGraph, type LaidOutGraph } from '../layout';
import type { CellStatus, IntervalRuns } from '../temporal-runs';

/** A node of the run graph with its status, duration and rows in the run. */
export interface GraphNode {
  id: string;
  name: string;
  layer: string;
  status: CellStatus;
  durationMs?: number;
  rows?: number;
  /** Tests of the node that failed in the run. */
  failedTests: number;
}

/** One run as a graph: its steps and the dbt DAG laid out by ELK. */
export interface GraphData {
  interval?: { start: string; end: string };
  /** Intervals that ran, newest last, to choose from. */
  intervals: string[];
  steps: IntervalRuns['steps'];
  pipeline?: IntervalRuns['pipeline'];
  nodes: GraphNode[];
  edges: Array<[string, string]>;
  layout: LaidOutGraph;
}

/** Box size of a node in the drawing. */
export const NODE_BOX = { width: 190, height: 46 };

/** The graph of the run of the interval starting at `start`, or of the latest interval when none is given. */
export async function graphData(ctx: ConsoleContext, start?: string): Promise<GraphData> {
  const recent = await ctx.runs.recent(ctx.config.console.gridIntervals);
  const chosen = start ? recent.find((r) => r.interval.start === new Date(start).toISOString()) : recent.at(-1);
  const graph = ctx.project.current();
  const nodes = graph.nodes.map((n): GraphNode => {
    const r = chosen?.nodes[n.id];
    return {
      id: n.id,
      name: n.name,
      layer: n.layer,
      status: r?.status ?? 'none',
      durationMs: r?.durationMs,
      rows: r?.rows,
      failedTests: n.tests.filter((t) => chosen?.nodes[t]?.status === 'failed').length,
    };
  });
  const layout = await layoutGraph(
    nodes.map((n) => ({ id: n.id, ...NODE_BOX })),
    graph.edges,
  );
  return {
    interval: chosen?.interval,
    intervals: recent.map((r) => r.interval.start),
    steps: chosen?.steps ?? [],
    pipeline: chosen?.pipeline,
    nodes,
    edges: graph.edges,
    layout,
  };
}
