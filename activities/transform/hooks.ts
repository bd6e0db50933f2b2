import { classified } from '../errors';
import type { Warehouse } from '../warehouse';
import { compileNode, type CompileOptions } from './compile';
import type { Hook, Manifest, ManifestNode, RunHookKind } from './manifest-types';
import { markerOf, relationKind, writeMarker, type BuildOptions, type BuildOutcome } from './materialize';
import { adapterEffectMethods, type AdapterEffect } from './adapter-effects';

/**
 * dbt's hooks. A node's `pre-hook`s run before its materialization and its `post-hook`s after it, in
 * the node's activity; `on-run-start` / `on-run-end` run as steps of their own, first and last.
 *
 * The engine's materializations are not one transaction (Snowflake commits DDL on its own), so there
 * is no transaction for hooks to join. Each hook leaves a marker row for the invocation once it ran, and
 * a retried activity skips the hooks with one: a hook that changes rows (insert, update, delete, merge)
 * and runs "in the transaction" (the default) commits in one transaction with its marker, so it never
 * runs twice; any other statement (DDL such as `create`, `grant`: Snowflake commits it by itself) runs
 * on its own, then its marker is written, and runs again only if the activity dies in between. Hooks
 * marked `transaction: false` (`before_begin`, `after_commit`) run before (pre) or after (post) the
 * others, as dbt orders them.
 */

/** Where a hook is written, for messages and markers. */
type HookKey = 'pre-hook' | 'post-hook' | RunHookKind;

/** A node's hooks under `key`, in dbt's order: pre-hooks outside the transaction first, post-hooks last. */
function hooksOf(node: ManifestNode, key: 'pre-hook' | 'post-hook'): Hook[] {
  const hooks = (node.config[key] as Hook[] | undefined) ?? [];
  const outside = hooks.filter((h) => !h.transaction);
  const inside = hooks.filter((h) => h.transaction);
  return key === 'pre-hook' ? [...outside, ...inside] : [...inside, ...outside];
}

/** A statement that changes rows (after leading comments): it can commit in one transaction with its marker. */
const CHANGES_ROWS = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(?:insert|update|delete|merge)\b/i;

/** The marker id of a hook: the node's id, the hook's key and its 1-based place. */
const markerId = (node: ManifestNode, key: HookKey, index: number) => `${node.id}#${key}-${index + 1}`;

/**
 * Renders and runs `hooks` in order, in `node`'s Jinja context (`this`, refs, vars, macros). A hook that
 * renders to nothing runs nothing, as in dbt; each hook's marker records `rows` (the node's rows).
 */
async function runHookList(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  key: HookKey,
  hooks: readonly Hook[],
  o: CompileOptions,
  rows: number | null,
): Promise<void> {
  for (const [i, hook] of hooks.entries()) {
    const marker = { id: markerId(node, key, i) };
    if (await markerOf(w, o.invocationId, marker.id)) continue;
    const where = `${node.path} (${key} ${i + 1})`;
    const effects: AdapterEffect[] = [];
    const adapterMethods = adapterEffectMethods(manifest.target.type, effects);
    const sql = compileNode(manifest, { ...node, rawSql: hook.sql, path: where }, { ...o, adapterMethods });
    // A failing hook's error names it (a bad one fails the node, non-retryably).
    await classified(where, async () => {
      for (const effect of effects) await effect(w);
      if (hook.transaction && CHANGES_ROWS.test(sql)) {
        await w.transaction(async (s) => {
          if (sql.trim()) await s.execute(sql);
          await writeMarker(s, w.dialect, o.invocationId, marker, rows);
        });
      } else {
        if (sql.trim()) await w.execute(sql);
        await writeMarker(w, w.dialect, o.invocationId, marker, rows);
      }
    });
  }
}

/**
 * Builds a model, seed or snapshot between its pre-hooks and post-hooks. Once a post-hook has run in this
 * invocation the node counts as built: a retry does not build it again (that would undo what the hook
 * did to the table), and runs only the hooks still to run.
 */
export async function withNodeHooks(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: BuildOptions,
  build: () => Promise<BuildOutcome>,
): Promise<BuildOutcome> {
  const pre = hooksOf(node, 'pre-hook');
  const post = hooksOf(node, 'post-hook');
  if (!pre.length && !post.length) return build();
  // `is_incremental()` in a hook: as the model sees it, before the build.
  const isIncremental =
    node.config.materialized === 'incremental' &&
    !(o.fullRefresh && node.config.full_refresh !== false) &&
    (await relationKind(w, node.relation!)) === 'table';
  const options: CompileOptions = { invocationId: o.invocationId, runStartedAt: o.runStartedAt, isIncremental };
  const posted = post.length ? await markerOf(w, o.invocationId, markerId(node, 'post-hook', 0)) : undefined;
  let out: BuildOutcome;
  if (posted) {
    out = { sql: '-- built by an earlier attempt', rows: posted.rows ?? undefined, alreadyDone: true };
  } else {
    await runHookList(w, manifest, node, 'pre-hook', pre, options, null);
    out = await build();
  }
  await runHookList(w, manifest, node, 'post-hook', post, options, out.rows ?? null);
  return out;
}

/** A node's outcome as `on-run-end` hooks read it (dbt's `results`). */
export interface RunHookResult {
  id: string;
  /** The workflow's status: `success`, `error`, `skipped`, `warn`, `fail`. */
  status: string;
  error?: string;
  rows?: number;
  durationMs?: number;
}

/** Input of `runProjectHooks`. */
export interface RunHooksInput {
  manifestFile: string;
  checksum: string;
  kind: RunHookKind;
  invocationId: string;
  runStartedAt: string;
  /** The run's nodes: their schemas are the hooks' `schemas`. */
  nodeIds: string[];
  /** `on-run-end`: how each node ended. */
  results?: RunHookResult[];
}

/**
 * The globals dbt gives run hooks: `schemas` and `database_schemas` (where the run's nodes build), and
 * for `on-run-end` `results`, each with `status` (dbt's words: tests `pass`), `message`,
 * `execution_time`, `rows_affected` and `node` (`unique_id`, `name`, `resource_type`, `schema`, `alias`).
 */
function runHookGlobals(manifest: Manifest, input: RunHooksInput) {
  const schemas = [
    ...new Set(
      input.nodeIds.flatMap((id) => (manifest.nodes[id]?.relation ? [manifest.nodes[id].relation.schema] : [])),
    ),
  ];
  const results = (input.results ?? []).map((r) => {
    const n = manifest.nodes[r.id] as ManifestNode | undefined;
    const unit = manifest.unitTests?.[r.id];
    const type = n?.resourceType ?? (unit ? 'unit_test' : 'operation');
    return {
      status: (type === 'test' || type === 'unit_test') && r.status === 'success' ? 'pass' : r.status,
      message: r.error ?? null,
      execution_time: (r.durationMs ?? 0) / 1000,
      rows_affected: r.rows ?? null,
      node: {
        unique_id: r.id,
        name: n?.name ?? unit?.name ?? r.id,
        resource_type: type,
        schema: n?.relation?.schema ?? null,
        alias: n?.relation?.identifier ?? null,
      },
    };
  });
  return { schemas, database_schemas: schemas.map((s) => [manifest.target.database, s]), results };
}

/** Runs the project's `on-run-start` or `on-run-end` hooks, in order, each once per invocation; returns how many ran. */
export async function runProjectHooks(w: Warehouse, manifest: Manifest, input: RunHooksInput): Promise<number> {
  const hooks = manifest.runHooks?.[input.kind] ?? [];
  const operation: ManifestNode = {
    id: `operation.${manifest.projectName}.${manifest.projectName}`,
    resourceType: 'model',
    name: `${manifest.projectName}-${input.kind}`,
    fqn: [manifest.projectName, 'hooks', input.kind],
    path: 'dbt_project.yml',
    rawSql: '',
    config: {},
    dependsOn: [],
    checksum: manifest.checksum,
  };
  const options: CompileOptions = {
    invocationId: input.invocationId,
    runStartedAt: input.runStartedAt,
    globals: runHookGlobals(manifest, input),
  };
  await runHookList(w, manifest, operation, input.kind, hooks, options, null);
  return hooks.length;
}
