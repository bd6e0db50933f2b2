import {
  EXPORT_MANIFEST,
  INGEST_MANIFEST,
  QUALITY_SCORES,
  SOURCE_WATERMARKS,
  STREAM_OFFSETS,
  TRANSFORM_NODE_RUNS,
  epochMsOf,
  isoInstant,
  type AuditSource,
} from '../../activities/audit';
import { targetOf } from '../../activities/ingest/extract-sql-table';
import { rowsOrNone, type ConsoleContext } from '../context';
import { layoutGraph, type LaidOutGraph } from '../layout';

/** Where a lineage node sits, from where data enters to where it leaves. */
export type LineageKind =
  'landing' | 'sql' | 'topic' | 'raw' | 'staging' | 'intermediate' | 'marts' | 'model' | 'delta';

/** A dataset on the lineage page, with metadata only: freshness, row count, latest quality score. */
export interface LineageNode {
  id: string;
  label: string;
  kind: LineageKind;
  /** When it last changed (load, extract, build, merge or export). */
  freshAt?: string | null;
  rows?: number | null;
  /** Latest quality score (percent of valid rows). */
  score?: number | null;
  /** Every dataset upstream of it. */
  upstream: string[];
}

/** The platform's lineage: landing entities / SQL sources / topics → raw → staging → intermediate → marts → Delta exports. */
export interface LineageData {
  nodes: LineageNode[];
  edges: Array<[string, string]>;
  layout: LaidOutGraph;
}

/** Box size of a lineage node. */
export const LINEAGE_BOX = { width: 200, height: 56 };

const LAYERS: readonly string[] = ['staging', 'intermediate', 'marts'];

/** The later of two ISO instants. */
const latest = (a: string | null | undefined, b: string | null | undefined): string | null | undefined =>
  !a ? b : !b ? a : a > b ? a : b;

/** Latest instant per key from one audit table. */
async function latestBy(
  src: AuditSource,
  table: { ref: { schema: string; table: string } },
  key: string,
  at: string,
): Promise<Map<string, string | null>> {
  const d = src.dialect;
  const rows = await rowsOrNone(
    src,
    `SELECT ${d.quoteIdent(key)} AS k, max(${d.epochMs(d.quoteIdent(at))}) AS ms FROM ${d.table(table.ref)} GROUP BY ${d.quoteIdent(key)}`,
  );
  return new Map(rows.map((r) => [String(r.k), isoInstant(r.ms)]));
}

/** The streamed table each batch entity's staging model merges in: the `stream_tables` var, for configured topics only. */
export function streamTablesByEntity(
  vars: Record<string, unknown>,
  topics: ReadonlyArray<{ table: string }>,
): Map<string, string> {
  const declared = vars.stream_tables;
  if (!declared || typeof declared !== 'object') return new Map();
  const streamed = new Set(topics.map((t) => t.table));
  return new Map(
    Object.entries(declared as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && streamed.has(e[1]),
    ),
  );
}

/** The lineage graph from config and the dbt project, with counts and freshness from the warehouse. */
export async function lineageData(ctx: ConsoleContext): Promise<LineageData> {
  const { config } = ctx;
  const graph = ctx.project.current();
  const nodes = new Map<string, Omit<LineageNode, 'upstream'>>();
  const edges = new Map<string, [string, string]>();
  const add = (n: Omit<LineageNode, 'upstream'>) => nodes.set(n.id, { ...nodes.get(n.id), ...n });
  const link = (a: string, b: string) => edges.set(`${a}\u0000${b}`, [a, b]);
  const table = (id: string) => add({ id, label: id, kind: id.startsWith('raw.') ? 'raw' : 'model' });

  for (const e of config.landing.entities) {
    add({ id: `landing:${e.name}`, label: `landing ${e.name}`, kind: 'landing' });
    table(`raw.${e.name}`);
    link(`landing:${e.name}`, `raw.${e.name}`);
  }
  for (const s of config.sources)
    for (const t of s.tables) {
      const id = `sql:${s.name}.${t.name}`;
      add({ id, label: `${s.kind} ${s.name}.${t.name}`, kind: 'sql' });
      table(`raw.${targetOf(s, t)}`);
      link(id, `raw.${targetOf(s, t)}`);
    }
  for (const t of config.streaming.topics) {
    add({ id: `topic:${t.topic}`, label: `topic ${t.topic}`, kind: 'topic' });
    table(`raw.${t.table}`);
    table(`staging.${t.table}`);
    link(`topic:${t.topic}`, `raw.${t.table}`);
    link(`raw.${t.table}`, `staging.${t.table}`);
  }
  const tableOfNode = new Map(graph.nodes.filter((n) => n.table).map((n) => [n.id, n.table!]));
  for (const n of graph.nodes) {
    if (!n.table) continue;
    add({ id: n.table, label: n.table, kind: LAYERS.includes(n.layer) ? (n.layer as LineageKind) : 'model' });
    for (const s of graph.sourcesOf[n.id] ?? []) {
      if (!nodes.has(s)) table(s);
      link(s, n.table);
    }
  }
  // A staging model also reads its entity's stream table (the project's `stream_tables` var, read by
  // macros/batch_and_stream.sql): a read no ref() or source() declares, so the topic reaches the marts.
  const streamOf = streamTablesByEntity(graph.manifest.vars, config.streaming.topics);
  for (const n of graph.nodes)
    for (const s of graph.sourcesOf[n.id] ?? []) {
      const streamed = s.startsWith('raw.') ? streamOf.get(s.slice('raw.'.length)) : undefined;
      if (streamed && n.table) link(`staging.${streamed}`, n.table);
    }
  for (const [p, c] of graph.edges) {
    const a = tableOfNode.get(p);
    const b = tableOfNode.get(c);
    if (a && b) link(a, b);
  }
  for (const m of config.export.marts) {
    const from = graph.nodes.find((n) => n.name === m.name)?.table ?? `marts.${m.name}`;
    add({ id: `delta:${m.name}`, label: `Delta ${m.name} (${m.mode})`, kind: 'delta' });
    if (!nodes.has(from)) table(from);
    link(from, `delta:${m.name}`);
  }

  // A build leaves a marker row only for some materializations; the runs in Temporal say when each node last built.
  const buildsSeen = new Map<string, string>();
  for (const r of await ctx.runs.recent(config.console.gridIntervals))
    for (const n of Object.values(r.nodes))
      if (n.status === 'success') buildsSeen.set(n.id, latest(buildsSeen.get(n.id), n.closedAt ?? n.startedAt)!);
  await ctx.audit(async (src) => {
    const d = src.dialect;
    const loaded = await latestBy(src, INGEST_MANIFEST, 'entity', 'loaded_at');
    const extracted = await latestBy(src, SOURCE_WATERMARKS, 'table_name', 'extracted_at');
    const streamed = await latestBy(src, STREAM_OFFSETS, 'topic', 'updated_at');
    const built = await latestBy(src, TRANSFORM_NODE_RUNS, 'node_id', 'finished_at');
    const exported = await latestBy(src, EXPORT_MANIFEST, 'mart', 'exported_at');
    const scores = await rowsOrNone(
      src,
      `SELECT table_name, score, ${epochMsOf(d, 'scored_at')} FROM ${d.table(QUALITY_SCORES.ref)} ORDER BY scored_at`,
    );
    const scoreOf = new Map(scores.map((r) => [String(r.table_name), Number(r.score)]));
    const fresh = (id: string, at: string | null | undefined) => add({ ...nodes.get(id)!, freshAt: at ?? null });
    for (const e of config.landing.entities) {
      fresh(`landing:${e.name}`, loaded.get(e.name));
      fresh(`raw.${e.name}`, loaded.get(e.name));
    }
    for (const s of config.sources)
      for (const t of s.tables) {
        fresh(`sql:${s.name}.${t.name}`, extracted.get(t.name));
        fresh(`raw.${targetOf(s, t)}`, extracted.get(t.name));
      }
    for (const t of config.streaming.topics) {
      fresh(`topic:${t.topic}`, streamed.get(t.topic));
      fresh(`raw.${t.table}`, streamed.get(t.topic));
    }
    for (const n of graph.nodes) if (n.table) fresh(n.table, latest(built.get(n.id), buildsSeen.get(n.id)));
    for (const m of config.export.marts) fresh(`delta:${m.name}`, exported.get(m.name));
    for (const n of nodes.values()) {
      if (n.kind === 'landing' || n.kind === 'sql' || n.kind === 'topic' || n.kind === 'delta') continue;
      const [schema, name] = n.id.split('.');
      // Counts only: the console never reads a row of a table.
      const [row] = await rowsOrNone(src, `SELECT count(*) AS n FROM ${d.table({ schema, table: name })}`);
      add({ ...n, rows: row ? Number(row.n) : null, score: scoreOf.get(n.id) ?? null });
    }
  });

  const list = [...edges.values()];
  const parents = new Map<string, string[]>();
  for (const [a, b] of list) parents.set(b, [...(parents.get(b) ?? []), a]);
  const upstreamOf = (id: string): string[] => {
    const seen = new Set<string>();
    const walk = (x: string) => {
      for (const p of parents.get(x) ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        walk(p);
      }
    };
    walk(id);
    return [...seen].sort();
  };
  const out = [...nodes.values()].map((n) => ({ ...n, upstream: upstreamOf(n.id) }));
  const layout = await layoutGraph(
    out.map((n) => ({ id: n.id, ...LINEAGE_BOX })),
    list,
  );
  return { nodes: out, edges: list, layout };
}
