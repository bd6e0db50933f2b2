import { ensureSchema, type Warehouse } from '../warehouse';
import { relationKind } from './materialize';
import { renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import { storedFailuresKind } from './store-failures-config';

/**
 * Replaces the test's audit relation (`<target schema>_dbt_test__audit.<test alias>`) with its failing rows,
 * as a table or a view as dbt's test materialization does, and returns the query that reads them back (none when the test stores nothing).
 * `flag` is the run's `--store-failures`.
 */
export async function storeFailures(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  sql: string,
  flag?: boolean,
): Promise<string | undefined> {
  const kind = storedFailuresKind(node, flag);
  const rel = node.auditRelation;
  if (!kind || !rel) return undefined;
  await ensureSchema(w, rel.schema);
  const relation = renderRelation(rel, manifest.target.type);
  const existing = await relationKind(w, rel);
  if (existing) await w.execute(`drop ${existing} if exists ${relation}`);
  await w.execute(`create ${kind} ${relation} as (\n${sql}\n)`);
  return `select * from ${relation}`;
}
