import type { JinjaGlobals, JinjaRenderer } from './jinja';
import { callPattern, kwargsOf, toPlainValue } from './jinja';
import type { Relation, TargetInfo } from './manifest-types';
import { DEFAULT_ENGINE, engineForTarget, engineNamed } from '../warehouse/engines';

/** dbt's `target.type` of the default engine. */
export const DEFAULT_TARGET_TYPE = engineNamed(DEFAULT_ENGINE).dbtType;

/** Quotes identifiers as the engine of dbt target type `type` stores unquoted names (Snowflake upper-cases them). */
export function quoterFor(type: string): (ident: string) => string {
  const { dialect } = engineForTarget(type);
  return (ident) => `"${dialect.storedCase(ident).replace(/"/g, '""')}"`;
}

/** Renders a relation as SQL for the target engine: `"schema"."identifier"`. */
export function renderRelation(r: Relation, type = DEFAULT_TARGET_TYPE): string {
  const q = quoterFor(type);
  return `${q(r.schema)}.${q(r.identifier)}`;
}

/** What a render needs to answer `ref`, `source`, `config`, `var`, `this`, `is_incremental`. */
export interface ContextInput {
  renderer: JinjaRenderer;
  target: TargetInfo;
  projectName: string;
  vars: Record<string, unknown>;
  /** `ref('name')` or `ref('package', 'name')`: the SQL to put in its place, or an error message. */
  ref(name: string, pkg?: string): { sql: string } | { error: string };
  source(sourceName: string, table: string): { sql: string } | { error: string };
  /** Receives each `config(...)` call's keyword arguments. */
  config?(kwargs: Record<string, unknown>): void;
  self?: Relation;
  isIncremental?: boolean;
  /** dbt's `execute`: false while parsing, true when compiling for a run. */
  execute: boolean;
  invocationId: string;
  runStartedAt: string;
}

/** The globals dbt gives a model, snapshot, or test template. */
export function dbtContext(c: ContextInput): JinjaGlobals {
  const { renderer } = c;
  const str = (v: unknown) => (typeof v === 'string' ? v : String(v));
  return {
    ref: (...args: unknown[]) => {
      const { positional } = kwargsOf(args);
      const [a, b] = positional.map(str);
      if (!a) return renderer.fail('ref() needs a model name');
      const r = b === undefined ? c.ref(a) : c.ref(b, a);
      return 'error' in r ? renderer.fail(r.error, callPattern('ref', ...(b === undefined ? [a] : [a, b]))) : r.sql;
    },
    source: (...args: unknown[]) => {
      const [s, t] = kwargsOf(args).positional.map(str);
      if (!s || !t) return renderer.fail('source() needs a source name and a table name');
      const r = c.source(s, t);
      return 'error' in r ? renderer.fail(r.error, callPattern('source', s, t)) : r.sql;
    },
    config: (...args: unknown[]) => {
      const { positional, kwargs } = kwargsOf(args);
      const first = positional[0];
      const given = first && typeof first === 'object' ? (toPlainValue(first) as Record<string, unknown>) : {};
      c.config?.({ ...given, ...kwargs });
      return '';
    },
    var: (...args: unknown[]) => {
      const { positional } = kwargsOf(args);
      const name = str(positional[0]);
      if (name in c.vars) return c.vars[name];
      if (positional.length > 1) return positional[1];
      return renderer.fail(
        `Required var '${name}' not found in config: set it in dbt_project.yml vars or --vars`,
        callPattern('var', name),
      );
    },
    env_var: (...args: unknown[]) => {
      const { positional } = kwargsOf(args);
      const name = str(positional[0]);
      const value = process.env[name];
      if (value !== undefined) return value;
      if (positional.length > 1) return positional[1];
      return renderer.fail(`Env var required but not provided: '${name}'`, callPattern('env_var', name));
    },
    is_incremental: () => Boolean(c.isIncremental),
    this: c.self
      ? {
          schema: c.self.schema,
          name: c.self.identifier,
          identifier: c.self.identifier,
          render: () => renderRelation(c.self!, c.target.type),
        }
      : null,
    target: { ...c.target },
    project_name: c.projectName,
    execute: c.execute,
    invocation_id: c.invocationId,
    run_started_at: c.runStartedAt,
    exceptions: {
      raise_compiler_error: (msg: unknown) => renderer.fail(str(msg), /raise_compiler_error\(/),
      warn: () => '',
    },
    log: () => '',
    // A hook run outside the node's transaction, written `post_hook=after_commit("…")`.
    before_begin: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    after_commit: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    doc: () => '',
    adapter: { quote: (s: unknown) => `"${str(s)}"` },
  };
}
