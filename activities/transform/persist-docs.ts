import type { Warehouse } from '../warehouse';
import { renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import { columnsOf } from './materialize';

/** Materializations whose relation is a view; every other built node (table, incremental, seed, snapshot) is a table. */
const VIEWS = new Set(['view', 'external']);

/** The node's `persist_docs` config: which of its descriptions become comments. */
function persistDocsOf(node: ManifestNode): { relation: boolean; columns: boolean } {
  const c = node.config.persist_docs;
  const given = c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
  return { relation: given.relation === true, columns: given.columns === true };
}

/**
 * dbt's `persist_docs`: writes the node's description as its table's or view's comment and each documented
 * column's description as that column's comment (columns the relation does not have are left out, names
 * matched regardless of case), in the engine's own statements. Returns how many comments it set.
 */
export async function persistDocs(w: Warehouse, manifest: Manifest, node: ManifestNode): Promise<number> {
  const rel = node.relation;
  const wanted = persistDocsOf(node);
  if (!rel || node.config.materialized === 'ephemeral' || (!wanted.relation && !wanted.columns)) return 0;
  const kind = VIEWS.has(node.config.materialized ?? 'view') ? 'view' : 'table';
  const relation = renderRelation(rel, manifest.target.type);
  let set = 0;
  if (wanted.relation && node.description) {
    await w.execute(w.dialect.relationComment(kind, relation, node.description));
    set++;
  }
  const documented = Object.entries(node.columns ?? {}).filter(([, c]) => c.description);
  if (!wanted.columns || documented.length === 0) return set;
  const stored = new Map((await columnsOf(w, w.dialect, relation)).map((name) => [name.toLowerCase(), name]));
  for (const [name, c] of documented) {
    const column = stored.get(name.toLowerCase());
    if (column === undefined) continue;
    await w.execute(w.dialect.columnComment(kind, relation, `"${column.replace(/"/g, '""')}"`, c.description!));
    set++;
  }
  return set;
}
