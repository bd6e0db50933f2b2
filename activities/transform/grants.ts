import type { Warehouse } from '../warehouse';
import { engineForTarget } from '../warehouse/engines';
import { renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';

/**
 * dbt's `grants` config, applied after a node builds as dbt-snowflake's `apply_grants` does: on a
 * relation just created (or replaced without `copy_grants`) every configured grant is granted; on one
 * kept (an incremental run) or replaced with `copy_grants: true`, the grants in place are read
 * (`show grants on …`) and only the difference is revoked and granted. An engine whose dbt adapter does
 * not apply grants (dbt-duckdb only warns) records them and runs nothing.
 */

/** Grantees by type (`role`, `database_role`, …) and privilege. */
type GrantsByType = Record<string, Record<string, string[]>>;

/** What a node's grants did: its config, and the statements run (none where the engine does not apply grants). */
export interface GrantsOutcome {
  config: Record<string, unknown[]>;
  statements: string[];
}

/** A node's `grants` config, when it has any privilege with grantees. */
export function grantsOf(node: ManifestNode): Record<string, unknown[]> | undefined {
  const written = (node.config.grants as Record<string, unknown[]> | undefined) ?? {};
  const g: Record<string, unknown[]> = {};
  // A `+privilege` left with nothing above it to add to is that privilege, as dbt ends up reading it.
  for (const [key, grantees] of Object.entries(written)) (g[key.replace(/^\++/, '')] ??= []).push(...grantees);
  return Object.values(g).some((x) => x.length) ? g : undefined;
}

/** dbt-snowflake's `split_grants_by_grantee_type`: a grantee written as text is a role. */
function byType(config: Record<string, unknown[]>): GrantsByType {
  const out: GrantsByType = {};
  for (const [privilege, items] of Object.entries(config)) {
    for (const item of items) {
      const typed = item && typeof item === 'object' ? (item as Record<string, unknown>) : { role: item };
      for (const [type, grantees] of Object.entries(typed)) {
        const list = ((out[type.toLowerCase()] ??= {})[privilege] ??= []);
        for (const g of Array.isArray(grantees) ? grantees : [grantees]) {
          if (!list.includes(String(g))) list.push(String(g));
        }
      }
    }
  }
  return out;
}

/** `a` less what `b` has (privileges and grantees compared without case, as Snowflake names them). */
function difference(a: GrantsByType, b: GrantsByType): GrantsByType {
  const out: GrantsByType = {};
  for (const [type, privileges] of Object.entries(a)) {
    for (const [privilege, grantees] of Object.entries(privileges)) {
      const have = Object.entries(b[type] ?? {}).find(([p]) => p.toLowerCase() === privilege.toLowerCase())?.[1] ?? [];
      const missing = grantees.filter((g) => !have.some((h) => h.toLowerCase() === g.toLowerCase()));
      if (missing.length) (out[type] ??= {})[privilege] = missing;
    }
  }
  return out;
}

/** One statement per privilege and grantee, as dbt-snowflake writes them (it grants to one grantee at a time). */
function statements(verb: 'grant' | 'revoke', relation: string, grants: GrantsByType): string[] {
  return Object.entries(grants).flatMap(([type, privileges]) =>
    Object.entries(privileges).flatMap(([privilege, grantees]) =>
      grantees.map((g) =>
        verb === 'grant'
          ? `grant ${privilege} on ${relation} to ${type.replace(/_/g, ' ')} ${g}`
          : `revoke ${privilege} on ${relation} from ${type.replace(/_/g, ' ')} ${g}`,
      ),
    ),
  );
}

/** The grants in place on a relation, as dbt-snowflake's `standardize_grants_dict` reads `show grants`. */
async function grantsInPlace(w: Warehouse, relation: string): Promise<GrantsByType> {
  const rows = await w.query(`show grants on ${relation}`);
  const out: GrantsByType = {};
  for (const row of rows) {
    const get = (k: string) => {
      const v = row[k] ?? row[k.toUpperCase()];
      return typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
    };
    const [privilege, to] = [get('privilege'), get('granted_to')];
    if (privilege === 'OWNERSHIP' || to === 'SHARE' || to === 'DATABASE_ROLE') continue;
    ((out[to.toLowerCase()] ??= {})[privilege.toLowerCase()] ??= []).push(get('grantee_name'));
  }
  return out;
}

/**
 * Applies a node's grants after its build. `existed` says whether the relation was there before the
 * build and `replaced` whether the build replaced it (dbt's `should_revoke`).
 */
export async function applyGrants(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  build: { existed: boolean; replaced: boolean },
): Promise<GrantsOutcome | undefined> {
  const config = grantsOf(node);
  if (!config || !node.relation) return undefined;
  if (!engineForTarget(manifest.target.type).dbtAdapter?.appliesGrants) return { config, statements: [] };
  const relation = renderRelation(node.relation, manifest.target.type);
  const desired = byType(config);
  const shouldRevoke = build.existed && (!build.replaced || node.config.copy_grants === true);
  const current = shouldRevoke ? await grantsInPlace(w, relation) : {};
  const run = [
    ...statements('revoke', relation, difference(current, desired)),
    ...statements('grant', relation, difference(desired, current)),
  ];
  for (const sql of run) await w.execute(sql);
  return { config, statements: run };
}
