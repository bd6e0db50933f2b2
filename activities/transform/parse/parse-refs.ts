import { CompileError, lineOfCall } from '../jinja';
import type { ManifestSource } from '../manifest-types';
import { mergeConfig } from '../project-files';
import { coerceBooleanConfigs } from './parse-boolean-configs';
import type { Draft, ParseScope } from './parse-scope';
import { sourceIdOf } from './parse-sources';

/** Parse render of every node with SQL: collects its ref(), source() and config() calls, as dbt does. */
export function collectCalls(
  scope: ParseScope,
  drafts: readonly Draft[],
  sources: Readonly<Record<string, ManifestSource>>,
): void {
  for (const d of drafts.filter((x) => x.rawSql)) {
    const config: Record<string, unknown> = {};
    const refs: string[] = [];
    const deps = new Set<string>();
    scope.renderer.render(
      d.path,
      d.rawSql,
      scope.parseContext({
        self: { schema: scope.options.target.schema, identifier: d.name },
        ref: (name) => {
          refs.push(name);
          return { sql: `"__ref__"."${name}"` };
        },
        source: (s, t) => {
          const id = sourceIdOf(scope.project.name, s, t);
          if (!sources[id]) return { error: `source('${s}', '${t}') is not defined in any sources: properties file` };
          deps.add(id);
          return { sql: `"${s}"."${t}"` };
        },
        config: (kw) => mergeConfig(config, kw),
      }),
    );
    coerceBooleanConfigs(mergeConfig(d.config, config), d.path);
    d.refs = refs;
    d.dependsOn = [...deps];
  }
}

/**
 * The enabled nodes, with each ref added to its dependencies. Names must be unique among enabled
 * models, seeds and snapshots, and every ref must name one of them.
 */
export function resolveRefs(drafts: readonly Draft[]): { nodes: Draft[]; byName: Map<string, Draft> } {
  const nodes = drafts.filter((d) => d.config.enabled !== false);
  const byName = new Map<string, Draft>();
  for (const d of nodes) {
    if (d.resourceType === 'test') continue;
    const clash = byName.get(d.name);
    if (clash) throw new CompileError(`${d.path}: "${d.name}" is also defined in ${clash.path}; names must be unique`);
    byName.set(d.name, d);
  }
  for (const d of nodes) {
    for (const name of d.refs) {
      const node = byName.get(name);
      if (!node) {
        const disabled = drafts.some((x) => x.name === name && x.resourceType !== 'test');
        const line = lineOfCall(d.rawSql, new RegExp(`ref\\(\\s*(['"][^'"]*['"]\\s*,\\s*)?['"]${name}['"]`));
        throw new CompileError(
          `${d.path}:${line}: ref('${name}') ${disabled ? 'names a disabled node' : 'names no model, seed or snapshot in this project'}`,
        );
      }
      if (!d.dependsOn.includes(node.id)) d.dependsOn.push(node.id);
    }
  }
  return { nodes, byName };
}
