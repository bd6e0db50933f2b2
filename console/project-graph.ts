import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileNode } from '../activities/transform/compile';
import { DEFAULT_TARGET } from '../activities/transform/plan';
import { targetDir } from '../activities/transform/manifest-store';
import type { Manifest, ManifestNode } from '../activities/transform/manifest-types';
import { parseProject } from '../activities/transform/parse';
import { engineNamed } from '../activities/warehouse';
import type { EdpConfig } from '../workers/config-schema';
import { descendantsOf, topologicalOrder, type DependencyGraph } from '../lib/graph';

/** dbt's `invocation_id` in SQL compiled for display only: no run has that id. */
const PREVIEW_INVOCATION_ID = 'console-preview';
/** A model, seed or snapshot as the console draws it. */
export interface ProjectNode {
  id: string;
  name: string;
  type: ManifestNode['resourceType'];
  /** The schema it builds in (`staging`, `marts`, …): the warehouse layer. */
  layer: string;
  /** `schema.table` it builds. */
  table?: string;
  /** Tests that read only this node. */
  tests: string[];
}

/** The project's build graph without tests: nodes in run order, edges parent → child, the raw tables it reads. */
export interface ProjectGraph {
  nodes: ProjectNode[];
  edges: Array<[string, string]>;
  /** Source relations (`raw.claims`) each node reads directly. */
  sourcesOf: Record<string, string[]>;
  manifest: Manifest;
}

/** The order of the warehouse's layers on the grid; others follow. */
const LAYER_ORDER: readonly string[] = ['seeds', 'raw', 'staging', 'snapshots', 'intermediate', 'marts', 'consumption'];

const tableOf = (n: ManifestNode): string | undefined =>
  n.relation ? `${n.relation.schema}.${n.relation.identifier}` : undefined;

/**
 * Parses the configured dbt project (no warehouse access) for the console; reparsed at most every
 * `maxAgeMs`, so an edited model shows without a restart.
 */
export class ProjectGraphs {
  private cached?: { at: number; graph: ProjectGraph };

  constructor(
    private readonly config: EdpConfig,
    private readonly maxAgeMs = 5_000,
  ) {}

  /** The graph as of now (or as of at most `maxAgeMs` ago). */
  current(): ProjectGraph {
    if (this.cached && Date.now() - this.cached.at < this.maxAgeMs) return this.cached.graph;
    const manifest = parseProject(this.config.transform.projectDir, {
      target: {
        ...DEFAULT_TARGET,
        schema: this.config.transform.targetSchema,
        type: engineNamed(this.config.warehouse.engine).dbtType,
      },
    });
    const all = Object.values(manifest.nodes);
    const built = all.filter((n) => n.resourceType !== 'test');
    const ids = new Set(built.map((n) => n.id));
    const edges = built.flatMap((n) => n.dependsOn.filter((p) => ids.has(p)).map((p): [string, string] => [p, n.id]));
    const order = topologicalOrder({ nodes: [...ids], edges });
    const byId = new Map(built.map((n) => [n.id, n]));
    const nodes = order.map((id): ProjectNode => {
      const n = byId.get(id)!;
      return {
        id,
        name: n.name,
        type: n.resourceType,
        layer: n.relation?.schema ?? `${n.resourceType}s`,
        ...(tableOf(n) ? { table: tableOf(n) } : {}),
        tests: all
          .filter((t) => t.resourceType === 'test' && t.dependsOn.length === 1 && t.dependsOn[0] === id)
          .map((t) => t.id),
      };
    });
    const sourcesOf = Object.fromEntries(
      built.map((n) => [
        n.id,
        n.dependsOn.flatMap((p) => {
          const s = manifest.sources[p];
          return s ? [`${s.relation.schema}.${s.relation.identifier}`] : [];
        }),
      ]),
    );
    // Rows read like the warehouse's layers, in run order within each.
    const rank = (layer: string) => (LAYER_ORDER.includes(layer) ? LAYER_ORDER.indexOf(layer) : LAYER_ORDER.length);
    nodes.sort((a, b) => rank(a.layer) - rank(b.layer));
    const graph = { nodes, edges, sourcesOf, manifest };
    this.cached = { at: Date.now(), graph };
    return graph;
  }
}

/** A node and everything downstream of it, as `clear + downstream` re-runs them. */
export function withDescendants(graph: ProjectGraph, id: string): Set<string> {
  const g: DependencyGraph = { nodes: graph.nodes.map((n) => n.id), edges: graph.edges };
  return new Set([id, ...descendantsOf(g, id)]);
}

/**
 * A node's SQL: compiled now (refs and sources resolved, with the project's vars), else the SQL it last ran
 * (`target/run/…`), else its source; code, never rows.
 */
export function nodeSql(
  manifest: Manifest,
  id: string,
): { kind: 'compiled' | 'run' | 'source'; sql: string } | undefined {
  const n = manifest.nodes[id];
  if (!n) return undefined;
  try {
    return {
      kind: 'compiled',
      sql: compileNode(manifest, n, { invocationId: PREVIEW_INVOCATION_ID, runStartedAt: new Date().toISOString() }),
    };
  } catch {
    // A model that needs the warehouse (run_query) or an interval var to compile shows what it last ran.
  }
  const file = join(targetDir(manifest), 'run', manifest.projectName, n.path);
  if (existsSync(file)) return { kind: 'run', sql: readFileSync(file, 'utf8') };
  return { kind: 'source', sql: n.rawSql };
}
