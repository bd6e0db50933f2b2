import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';

/** A box to place. */
export interface LayoutBox {
  id: string;
  width: number;
  height: number;
}

/** Boxes placed left to right by dependency, with each edge's polyline. */
export interface LaidOutGraph {
  width: number;
  height: number;
  boxes: Record<string, { x: number; y: number; width: number; height: number }>;
  edges: Array<{ source: string; target: string; points: Array<{ x: number; y: number }> }>;
}

const elk = new ELK();

/** Lays a DAG out with ELK's layered algorithm (parents left of children, edges routed orthogonally). */
export async function layoutGraph(
  boxes: readonly LayoutBox[],
  edges: ReadonlyArray<[string, string]>,
): Promise<LaidOutGraph> {
  const ids = new Set(boxes.map((b) => b.id));
  const kept = edges.filter(([s, t]) => ids.has(s) && ids.has(t));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '14',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: boxes.map((b) => ({ id: b.id, width: b.width, height: b.height })),
    edges: kept.map(([s, t], i) => ({ id: `e${i}`, sources: [s], targets: [t] })),
  };
  const laid = await elk.layout(graph);
  return {
    width: laid.width ?? 0,
    height: laid.height ?? 0,
    boxes: Object.fromEntries(
      (laid.children ?? []).map((c) => [
        c.id,
        { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 },
      ]),
    ),
    edges: (laid.edges ?? []).map((e, i) => {
      const s = e.sections?.[0];
      return {
        source: kept[i][0],
        target: kept[i][1],
        points: s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [],
      };
    }),
  };
}
