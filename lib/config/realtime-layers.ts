/** A `{{ curation.<name> }}` placeholder; group 1 is the name. */
const CURATION_PLACEHOLDER = /\{\{\s*curation\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The curation tables a configured SELECT reads as `{{ curation.<name> }}`, each once, in order of first mention. */
export function curationReads(sql: string): string[] {
  return [...new Set([...sql.matchAll(CURATION_PLACEHOLDER)].map((m) => m[1]))];
}

/** A curation table as layering sees it: its name and its SELECT. */
export interface LayeredTable {
  name: string;
  sql: string;
}

/** Why curation tables cannot be ordered: a table (by index) reads an unknown table, or tables read each other in a cycle. */
export interface LayerProblem {
  index: number;
  message: string;
}

/** Curation tables in dependency order, with each one's layer (1: reads no curation table) and the tables it reads. */
export interface CurationLayers {
  /** Indexes into the configured tables: every table after the tables it reads. */
  order: number[];
  /** Layer of each table by name: 1 + the highest layer it reads. */
  layer: Map<string, number>;
  /** The curation tables each table reads, by name. */
  reads: Map<string, string[]>;
}

/**
 * Orders curation tables so that each comes after the tables it reads (config order among equals),
 * or says which table reads an unknown one or closes a cycle.
 */
export function curationLayers(tables: readonly LayeredTable[]): CurationLayers | LayerProblem {
  const index = new Map(tables.map((t, i) => [t.name, i]));
  const reads = new Map(tables.map((t) => [t.name, curationReads(t.sql)]));
  for (const [i, t] of tables.entries()) {
    const unknown = reads.get(t.name)!.find((r) => !index.has(r));
    if (unknown !== undefined)
      return { index: i, message: `{{ curation.${unknown} }} is not one of realtime.tables (by name)` };
  }
  const layer = new Map<string, number>();
  const order: number[] = [];
  const visiting: string[] = [];
  const visit = (name: string): LayerProblem | undefined => {
    if (layer.has(name)) return undefined;
    const at = visiting.indexOf(name);
    if (at >= 0)
      return {
        index: index.get(name)!,
        message: `curation tables read each other in a cycle: ${[...visiting.slice(at), name].join(' → ')}`,
      };
    visiting.push(name);
    for (const upstream of reads.get(name)!) {
      const problem = visit(upstream);
      if (problem) return problem;
    }
    visiting.pop();
    layer.set(name, 1 + Math.max(0, ...reads.get(name)!.map((r) => layer.get(r)!)));
    order.push(index.get(name)!);
    return undefined;
  };
  for (const t of tables) {
    const problem = visit(t.name);
    if (problem) return problem;
  }
  return { order, layer, reads };
}

/** True when {@link curationLayers} could not order the tables. */
export const isLayerProblem = (r: CurationLayers | LayerProblem): r is LayerProblem => 'message' in r;
