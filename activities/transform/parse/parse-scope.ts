import { createHash } from 'node:crypto';
import { JinjaRenderer, type JinjaGlobals, type MacroLibrary } from '../jinja';
import { dbtContext, type ContextInput } from '../jinja-context';
import type { ManifestNode, ResourceType, TargetInfo } from '../manifest-types';
import {
  configFromTree,
  fileChecksum,
  mergeConfig,
  readProjectFile,
  type FoundFile,
  type ProjectFile,
} from '../project-files';
import { coerceBooleanConfigs } from './parse-boolean-configs';
import { readMacros } from './parse-macros';
import type { Properties } from './parse-properties';
import { asObject } from './parse-yaml';

/** Options of `parseProject`. */
export interface ParseOptions {
  target: TargetInfo;
  /** `--vars`: override the project's vars. */
  vars?: Record<string, unknown>;
}

/** A node being parsed: its manifest entry plus the refs it makes and the properties written for it. */
export type Draft = ManifestNode & { refs: string[]; props?: Properties };

/** What every resource parser shares: the project, its macros, the settled vars and the parse-time Jinja. */
export interface ParseScope {
  dir: string;
  project: ProjectFile;
  options: ParseOptions;
  /** Macro files: the macro paths, and test files that define generic tests. */
  macroFiles: FoundFile[];
  library: MacroLibrary;
  renderer: JinjaRenderer;
  /** The project's vars with `--vars` over them, Jinja rendered. */
  vars: Record<string, unknown>;
  /** When parsing started, as the manifest's `generatedAt`. */
  now: string;
  /** The parse-time context (`execute` false); without `extra`, for values that may not use ref/source. */
  parseContext(extra?: Partial<ContextInput>): JinjaGlobals;
  /** A config value with its Jinja rendered (strings, and strings in lists). */
  renderValue(where: string, value: unknown): unknown;
}

/** SHA-256 of a text, hex. */
export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Reads the project file and its macros, and settles the vars (rendering their Jinja). */
export function openParseScope(dir: string, options: ParseOptions): ParseScope {
  const project = readProjectFile(dir);
  const rawVars = { ...flattenVars(project.vars, project.name), ...(options.vars ?? {}) };
  const { macroFiles, library } = readMacros(dir, project);
  const renderer = new JinjaRenderer(library);
  // Jinja in var values and in dbt_project.yml / properties configs (`"{{ env_var('X') }}"`), rendered
  // once here as dbt renders them: with var, env_var and target, no refs.
  const now = new Date().toISOString();
  const contextWith = (vars: Record<string, unknown>, extra: Partial<ContextInput> = {}) =>
    dbtContext({
      renderer,
      target: options.target,
      projectName: project.name,
      vars,
      execute: false,
      invocationId: 'parse',
      runStartedAt: now,
      ref: (name) => ({ error: `ref('${name}') cannot be used in dbt_project.yml or vars` }),
      source: (s, t) => ({ error: `source('${s}', '${t}') cannot be used in dbt_project.yml or vars` }),
      ...extra,
    });
  const renderWith = (where: string, value: unknown, vars: Record<string, unknown>): unknown => {
    if (typeof value === 'string' && /\{\{|\{%/.test(value))
      return renderer.render(where, value, contextWith(vars)).trim();
    if (Array.isArray(value)) return value.map((v) => renderWith(where, v, vars));
    return value;
  };
  let vars = rawVars;
  for (let pass = 0; pass < 3; pass++) {
    // A var may use another var: a few passes settle chains.
    vars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, renderWith(`var ${k}`, v, vars)]));
  }
  return {
    dir,
    project,
    options,
    macroFiles,
    library,
    renderer,
    vars,
    now,
    parseContext: (extra) => contextWith(vars, extra),
    renderValue: (where, value) => renderWith(where, value, vars),
  };
}

/** dbt's vars: top-level keys, plus the keys scoped to this project. */
function flattenVars(vars: Record<string, unknown>, projectName: string): Record<string, unknown> {
  const scoped = asObject(vars[projectName]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) if (k !== projectName) out[k] = v;
  return { ...out, ...scoped };
}

const DEFAULT_MATERIALIZED: Record<ResourceType, string> = {
  model: 'view',
  seed: 'seed',
  snapshot: 'snapshot',
  test: 'test',
};

/** A node's fqn: the project, the folders of its file below its resource path, and its name. */
export function fqnOf(scope: ParseScope, file: FoundFile, name: string): string[] {
  return [scope.project.name, ...file.inRoot.split('/').slice(0, -1), name];
}

/**
 * A new node of `type` from `file`: its config from dbt_project.yml and its properties (rendered), the
 * properties' description and columns, and the checksum of `checksumOf`. Refs and dependencies come later.
 */
export function draftNode(
  scope: ParseScope,
  node: { type: ResourceType; file: FoundFile; name: string; rawSql: string; checksumOf: string; fqn?: string[] },
  props?: Properties,
): Draft {
  const { type, file, name } = node;
  const fqn = node.fqn ?? fqnOf(scope, file, name);
  const given = mergeConfig(configFromTree(scope.project.configTrees[type], fqn), props?.config ?? {});
  const rendered = Object.fromEntries(
    // Hooks are rendered when they run (they may use `this`), as dbt does.
    Object.entries(given).map(([k, v]) => [
      k,
      /^(pre|post)[-_]hook$/.test(k) ? v : scope.renderValue(`config ${k} of ${name}`, v),
    ]),
  );
  const config = coerceBooleanConfigs(mergeConfig({ materialized: DEFAULT_MATERIALIZED[type] }, rendered), file.path);
  return {
    id: `${type}.${scope.project.name}.${name}`,
    resourceType: type,
    name,
    fqn,
    path: file.path,
    rawSql: node.rawSql,
    config,
    dependsOn: [],
    refs: [],
    props,
    description: props?.description,
    columns: props && Object.keys(props.columns).length ? props.columns : undefined,
    checksum: fileChecksum(node.checksumOf),
  };
}
