import type { GovernanceConfig } from '../../lib/config/schema';
import { modelColumnTags, type ColumnProperties } from './column-tags';
import { entityTargets, govern, type GovernResult } from './govern';
import type { GovernTarget } from './governed-object';

/** A model the transform just built, as governance needs it. */
export interface BuiltModel {
  relation: { schema: string; identifier: string };
  /** dbt's `materialized`: view, table, incremental. */
  materialized: string;
  /** The columns its properties file declares (meta, tags). */
  columns?: Readonly<Record<string, ColumnProperties>>;
  /** The model's file, named by errors about its tags. */
  path: string;
  /** The compiled SELECT it was built from. */
  sql: string;
  /** The relations it reads: raw tables among them with tagged columns are governed too. */
  reads: ReadonlyArray<{ schema: string; identifier: string }>;
}

/**
 * Governs a model right after its build: masking on its tagged columns, its row rule, SECURE when it is a
 * consumption view, and masking on the tagged columns of the raw tables it reads (before it exposes them).
 * Rebuilding a model drops its policies, so this runs after every build, in the same activity.
 */
export function governModel(
  w: Parameters<typeof govern>[0],
  g: GovernanceConfig,
  m: BuiltModel,
): Promise<GovernResult> {
  const model: GovernTarget = {
    ref: { schema: m.relation.schema, table: m.relation.identifier },
    kind: m.materialized === 'view' ? 'view' : 'table',
    tags: modelColumnTags(m.columns, g, m.path),
    where: m.path,
    select: m.materialized === 'view' ? m.sql : undefined,
    incremental: m.materialized === 'incremental',
  };
  const raw = m.reads.filter((r) => r.schema.toLowerCase() === 'raw').map((r) => r.identifier.toLowerCase());
  return govern(w, g, [...entityTargets(g, raw), model]);
}
