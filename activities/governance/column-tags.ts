import type { GovernanceConfig } from '../../lib/config/schema';
import { ProjectError } from '../../lib/errors';

/** What a dbt properties file says about one column that governance reads (dbt's column `meta` and `tags`). */
export interface ColumnProperties {
  meta?: Record<string, unknown>;
  tags?: readonly string[];
}

/**
 * The sensitivity tag of a dbt column, if any: `meta: { phi: true }` is tag `phi`, `meta: { sensitivity:
 * <tag> }` names one, and a column `tags` entry that is a configured tag counts (other tags are dbt's own).
 * Two tags on one column, or a `meta` tag that `governance.tags` lacks, is an error naming `where`.
 */
export function columnTag(
  column: string,
  props: ColumnProperties,
  tags: GovernanceConfig['tags'],
  where: string,
): string | undefined {
  const named = new Set<string>();
  if (props.meta?.phi === true) named.add('phi');
  if (typeof props.meta?.sensitivity === 'string') named.add(props.meta.sensitivity);
  for (const name of named) {
    if (!(name in tags)) {
      throw new ProjectError(
        `column ${column} is tagged "${name}" but governance.tags has ${Object.keys(tags).join(', ') || 'no tags'}`,
        { fix: where },
      );
    }
  }
  for (const t of props.tags ?? []) if (t in tags) named.add(t);
  if (named.size > 1) {
    throw new ProjectError(`column ${column} has more than one sensitivity tag (${[...named].join(', ')})`, {
      fix: where,
    });
  }
  return named.values().next().value;
}

/** Column → tag of a dbt model's properties. */
export function modelColumnTags(
  columns: Readonly<Record<string, ColumnProperties>> | undefined,
  g: GovernanceConfig,
  where: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, props] of Object.entries(columns ?? {})) {
    const tag = columnTag(name, props, g.tags, where);
    if (tag) out.set(name, tag);
  }
  return out;
}
