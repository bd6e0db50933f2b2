import type { ConsoleContext } from '../context';
import type { CellStatus, IntervalRuns, NodeRun, StepRun } from '../temporal-runs';
import { PIPELINE_STEPS } from '../../lib/ids';

/** A grid row: a pipeline step or a dbt node. */
export interface GridRow {
  id: string;
  label: string;
  kind: 'pipeline' | 'step' | 'model' | 'seed' | 'snapshot';
  layer?: string;
}

/** A grid cell: what the row did in one interval. */
export interface GridCell {
  status: CellStatus;
  durationMs?: number;
  rows?: number;
  by?: NodeRun['by'];
}

/** The grid: intervals (columns, oldest first) × pipeline steps and dbt nodes (rows, in run order). */
export interface GridData {
  intervals: Array<{ start: string; end: string }>;
  rows: GridRow[];
  /** Row id → interval start → cell. */
  cells: Record<string, Record<string, GridCell>>;
}

/** Row id of a pipeline step. */
export const stepRowId = (step: string): string => `step:${step}`;
/** Row id of the pipeline run as a whole. */
export const PIPELINE_ROW = 'pipeline';

const stepCell = (s: StepRun): GridCell => ({ status: s.status, durationMs: s.durationMs });
const nodeCell = (n: NodeRun): GridCell => ({ status: n.status, durationMs: n.durationMs, rows: n.rows, by: n.by });

/** The grid of the latest `console.gridIntervals` intervals that ran. */
export async function gridData(ctx: ConsoleContext, runs?: IntervalRuns[]): Promise<GridData> {
  const intervals = runs ?? (await ctx.runs.recent(ctx.config.console.gridIntervals));
  const graph = ctx.project.current();
  const rows: GridRow[] = [
    { id: PIPELINE_ROW, label: 'pipeline run', kind: 'pipeline' },
    ...PIPELINE_STEPS.map((s): GridRow => ({ id: stepRowId(s), label: s, kind: 'step' })),
    ...graph.nodes.map((n): GridRow => ({
      id: n.id,
      label: n.name,
      kind: n.type === 'test' ? 'model' : n.type,
      layer: n.layer,
    })),
  ];
  const cells: GridData['cells'] = Object.fromEntries(rows.map((r) => [r.id, {}]));
  for (const r of intervals) {
    const at = r.interval.start;
    if (r.pipeline) cells[PIPELINE_ROW][at] = { status: r.pipeline.status };
    for (const s of r.steps) cells[stepRowId(s.step)][at] = stepCell(s);
    for (const n of Object.values(r.nodes)) if (cells[n.id]) cells[n.id][at] = nodeCell(n);
  }
  return { intervals: intervals.map((r) => r.interval), rows, cells };
}
