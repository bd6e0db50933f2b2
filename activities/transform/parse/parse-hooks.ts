import { CompileError } from '../jinja';
import type { Hook, ManifestNode, RunHookKind } from '../manifest-types';
import type { ParseScope } from './parse-scope';

/** The node configs holding hooks (merged under these names by `mergeConfig`). */
export const NODE_HOOKS = ['pre-hook', 'post-hook'] as const;

/**
 * Hook entries as dbt reads them: SQL text, or `{sql, transaction}` (what `before_begin()` and
 * `after_commit()` write); anything else is refused, naming `where`.
 */
export function hookList(entries: readonly unknown[], where: string): Hook[] {
  return entries.map((e) => {
    if (typeof e === 'string') return { sql: e, transaction: true };
    if (e && typeof e === 'object' && !Array.isArray(e) && typeof (e as { sql?: unknown }).sql === 'string') {
      const { sql, transaction } = e as { sql: string; transaction?: unknown };
      return { sql, transaction: transaction !== false && transaction !== 'false' };
    }
    throw new CompileError(
      `${where}: a hook must be SQL text or {sql: ..., transaction: ...}, not ${JSON.stringify(e)}`,
    );
  });
}

/** Each node's `pre-hook` / `post-hook` config as a list of {@link Hook}s (empty lists dropped). */
export function setNodeHooks(nodes: readonly ManifestNode[]): void {
  for (const n of nodes) {
    for (const key of NODE_HOOKS) {
      const entries = n.config[key];
      if (entries === undefined) continue;
      const hooks = hookList(Array.isArray(entries) ? entries : [entries], `${n.path}: ${n.name}: ${key}`);
      if (hooks.length) n.config[key] = hooks;
      else delete n.config[key];
    }
  }
}

/** dbt_project.yml's `on-run-start` / `on-run-end`, when set. */
export function readRunHooks(scope: ParseScope): Partial<Record<RunHookKind, Hook[]>> | undefined {
  const out: Partial<Record<RunHookKind, Hook[]>> = {};
  for (const kind of ['on-run-start', 'on-run-end'] as const) {
    const hooks = hookList(scope.project.runHooks[kind], `dbt_project.yml: ${kind}`);
    if (hooks.length) out[kind] = hooks;
  }
  return Object.keys(out).length ? out : undefined;
}
