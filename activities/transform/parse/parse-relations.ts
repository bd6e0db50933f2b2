import type { JinjaRenderer } from '../jinja';
import type { ManifestNode, TargetInfo } from '../manifest-types';
import { settleStoreFailures, TEST_AUDIT_SCHEMA } from '../store-failures-config';
import type { ParseScope } from './parse-scope';

/**
 * Sets each model, seed and snapshot's relation: schema via generate_schema_name (the project's, if it
 * defines one), alias via generate_alias_name; and each test's audit relation, as dbt names it (custom
 * schema `dbt_test__audit` unless the test configures one), with its `store_failures` configs settled.
 */
export function setRelations(scope: ParseScope, nodes: readonly ManifestNode[]): void {
  const { renderer, library, options } = scope;
  for (const n of nodes) {
    const relation = {
      schema: schemaFor(renderer, library.names, options.target, n),
      identifier: aliasFor(renderer, library.names, options.target, n),
    };
    if (n.resourceType !== 'test') n.relation = relation;
    else {
      settleStoreFailures(n.config);
      n.auditRelation = relation;
    }
  }
}

/** The node as `generate_schema_name` / `generate_alias_name` see it. */
function nodeForMacros(n: ManifestNode) {
  return { name: n.name, resource_type: n.resourceType, fqn: n.fqn, path: n.path, config: n.config };
}

/** The table name: the project's `generate_alias_name` if it defines one, else the alias config or the name. */
function aliasFor(renderer: JinjaRenderer, macros: string[], target: TargetInfo, n: ManifestNode): string {
  const alias = typeof n.config.alias === 'string' ? n.config.alias : undefined;
  if (!macros.includes('generate_alias_name')) return alias ?? n.name;
  return renderer
    .render(`${n.path} (generate_alias_name)`, '{{ generate_alias_name(custom_alias_name, node) }}', {
      custom_alias_name: alias ?? null,
      node: nodeForMacros(n),
      target: { ...target },
    })
    .trim();
}

function schemaFor(renderer: JinjaRenderer, macros: string[], target: TargetInfo, n: ManifestNode): string {
  if (n.resourceType === 'snapshot' && typeof n.config.target_schema === 'string') return n.config.target_schema;
  const configured = typeof n.config.schema === 'string' ? n.config.schema : undefined;
  const custom = configured ?? (n.resourceType === 'test' ? TEST_AUDIT_SCHEMA : undefined);
  if (!macros.includes('generate_schema_name')) return custom ? `${target.schema}_${custom.trim()}` : target.schema;
  const out = renderer.render(
    `${n.path} (generate_schema_name)`,
    '{{ generate_schema_name(custom_schema_name, node) }}',
    {
      custom_schema_name: custom ?? null,
      node: nodeForMacros(n),
      target: { ...target },
    },
  );
  return out.trim();
}
