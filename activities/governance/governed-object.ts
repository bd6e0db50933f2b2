import type { GovernanceConfig } from '../../lib/config/schema';
import { ConfigError, ProjectError } from '../../lib/errors';
import type { ColumnMask, GovernedObject, TableRef, Warehouse } from '../warehouse';

/** An object to govern: where it is, what it is, and which columns carry which tag. */
export interface GovernTarget {
  ref: TableRef;
  kind: 'table' | 'view';
  /** Column → sensitivity tag. */
  tags: ReadonlyMap<string, string>;
  /** Where the tags were declared (a properties file, a config key), named by errors. */
  where: string;
  /** A view's defining SELECT. */
  select?: string;
  /** An incremental model: later runs append to the table in place. */
  incremental?: boolean;
  /** Tags come from config rather than a project file: an unknown column is a config error. */
  fromConfig?: boolean;
}

/** The object as the engine's governance needs it: columns with types, masks, row rule. Undefined when it does not exist. */
export async function governedObject(
  w: Warehouse,
  g: GovernanceConfig,
  t: GovernTarget,
): Promise<GovernedObject | undefined> {
  const described = await w.describeTable(t.ref);
  if (!described) return undefined;
  const columns = described.map((c) => ({ name: c.name, engineType: c.type }));
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const masks: ColumnMask[] = [];
  for (const [name, tag] of t.tags) {
    const column = byName.get(name.toLowerCase());
    if (!column) {
      const message = `${t.ref.schema}.${t.ref.table} has no column "${name}" (tagged ${tag}); it has ${columns.map((c) => c.name).join(', ')}`;
      throw t.fromConfig ? new ConfigError(message, { fix: t.where }) : new ProjectError(message, { fix: t.where });
    }
    const spec = g.tags[tag];
    masks.push({
      name: column.name,
      engineType: column.engineType,
      tag,
      style: spec.mask,
      keep: spec.keep,
      unmaskedRoles: spec.unmaskedRoles ?? g.unmaskedRoles,
    });
  }
  const name = `${t.ref.schema}.${t.ref.table}`.toLowerCase();
  const rowAccess = g.rowAccess.find((r) => r.object.toLowerCase() === name);
  if (rowAccess && !byName.has(rowAccess.column.toLowerCase())) {
    const i = g.rowAccess.indexOf(rowAccess);
    throw new ConfigError(`${name} has no column "${rowAccess.column}"`, { fix: `governance.rowAccess[${i}].column` });
  }
  const consumption = g.consumptionSchemas.some((s) => s.toLowerCase() === t.ref.schema.toLowerCase());
  return {
    ref: t.ref,
    kind: t.kind,
    columns,
    masks,
    consumption,
    rowAccess,
    select: t.select,
    incremental: t.incremental,
  };
}
