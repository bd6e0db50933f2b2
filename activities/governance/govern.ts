import type { GovernanceConfig } from '../../lib/config/schema';
import { ENGINES, type GovernanceDialect, type GovernanceSettings, type Warehouse } from '../warehouse';
import { governedObject, type GovernTarget } from './governed-object';

/** What a governance pass did. */
export interface GovernResult {
  /** `schema.name` of each object whose policies or masked view were (re)applied. */
  governed: string[];
  statements: number;
}

/** The governance of the engine behind `w`, if it has one. */
export function governanceOf(w: Warehouse): GovernanceDialect | undefined {
  return ENGINES.find((e) => e.dialect === w.dialect)?.governance;
}

const nameOf = (t: GovernTarget): string => `${t.ref.schema}.${t.ref.table}`.toLowerCase();
const ruleFor = (g: GovernanceConfig, t: GovernTarget): boolean =>
  g.rowAccess.some((r) => r.object.toLowerCase() === nameOf(t));
const inConsumption = (g: GovernanceConfig, t: GovernTarget): boolean =>
  g.consumptionSchemas.some((s) => s.toLowerCase() === t.ref.schema.toLowerCase());

/** The raw tables `governance.entities` tags, as targets. */
export function entityTargets(
  g: GovernanceConfig,
  entities: Iterable<string> = Object.keys(g.entities),
): GovernTarget[] {
  return [...entities]
    .filter((e) => e in g.entities)
    .map((entity) => ({
      ref: { schema: 'raw', table: entity },
      kind: 'table' as const,
      tags: new Map(Object.entries(g.entities[entity])),
      where: `governance.entities.${entity}`,
      fromConfig: true,
    }));
}

/**
 * Puts each target under governance with its engine's statements (in one transaction where the engine
 * can, so no reader sees the clear object under the consumption name). A target that does not exist
 * yet is skipped: it is governed when the step that builds it runs.
 */
export async function govern(
  w: Warehouse,
  g: GovernanceConfig,
  targets: readonly GovernTarget[],
): Promise<GovernResult> {
  const engine = governanceOf(w);
  const result: GovernResult = { governed: [], statements: 0 };
  const wanted = targets.filter((t) => t.tags.size > 0 || ruleFor(g, t) || (t.kind === 'view' && inConsumption(g, t)));
  if (!engine || wanted.length === 0) return result;
  const [role] = engine.currentRoleSql ? await w.query<{ role: unknown }>(engine.currentRoleSql) : [];
  const settings: GovernanceSettings = {
    policySchema: g.policySchema,
    secureViews: g.secureViews,
    unmaskedRoles: g.unmaskedRoles,
    platformRole: typeof role?.role === 'string' && role.role ? role.role : undefined,
  };
  for (const t of wanted) {
    const object = await governedObject(w, g, t);
    if (!object) continue;
    const statements = engine.statements(object, settings);
    if (statements.length === 0) continue;
    if (engine.transactional) {
      await w.transaction(async (s) => {
        for (const sql of statements) await s.execute(sql);
      });
    } else {
      for (const sql of statements) await w.execute(sql);
    }
    result.governed.push(`${t.ref.schema}.${t.ref.table}`);
    result.statements += statements.length;
  }
  return result;
}
