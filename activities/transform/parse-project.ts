import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { topologicalOrder } from '../../lib/graph';
import { CompileError, JinjaRenderer, lineOfCall, macroLibrary } from './jinja';
import { dbtContext, type ContextInput } from './jinja-context';
import type {
  GenericTest,
  Manifest,
  ManifestNode,
  ManifestSource,
  NodeConfig,
  ResourceType,
  TargetInfo,
} from './manifest-types';
import {
  configFromTree,
  findFiles,
  mergeConfig,
  readProjectFile,
  readPropertiesFile,
  type FoundFile,
  type ProjectFile,
} from './project-files';
import { parseTestEntry, testNodeName } from './test-entries';

/** Options of {@link parseProject}. */
export interface ParseOptions {
  target: TargetInfo;
  /** `--vars`: override the project's vars. */
  vars?: Record<string, unknown>;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const DEFAULT_MATERIALIZED: Record<ResourceType, string> = {
  model: 'view',
  seed: 'seed',
  snapshot: 'snapshot',
  test: 'test',
};

interface Properties {
  description?: string;
  config: Record<string, unknown>;
  columns: Record<string, { description?: string }>;
  /** Test entries; `inRoot` is the properties file's path below its model/seed/snapshot path. */
  tests: Array<{ entry: unknown; column?: string; file: string; inRoot: string }>;
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Reads the properties YAML files: per model/seed/snapshot name, and the sources. */
function readProperties(project: ProjectFile, files: FoundFile[]) {
  const byName = new Map<string, Properties>();
  const sources: Array<{ source: ManifestSource; tests: Properties['tests'] }> = [];
  for (const file of files) {
    const doc = readPropertiesFile(file);
    for (const kind of ['models', 'seeds', 'snapshots'] as const) {
      for (const raw of asList(doc[kind])) {
        const entry = asObject(raw);
        if (typeof entry.name !== 'string') throw new CompileError(`${file.path}: every entry of ${kind} needs a name`);
        const props: Properties = byName.get(entry.name) ?? { config: {}, columns: {}, tests: [] };
        if (typeof entry.description === 'string') props.description = entry.description;
        mergeConfig(props.config, asObject(entry.config));
        for (const t of [...asList(entry.tests), ...asList(entry.data_tests)])
          props.tests.push({ entry: t, file: file.path, inRoot: file.inRoot });
        for (const rawCol of asList(entry.columns)) {
          const col = asObject(rawCol);
          if (typeof col.name !== 'string')
            throw new CompileError(`${file.path}: a column of ${entry.name} has no name`);
          props.columns[col.name] = { description: typeof col.description === 'string' ? col.description : undefined };
          for (const t of [...asList(col.tests), ...asList(col.data_tests)]) {
            props.tests.push({ entry: t, column: col.name, file: file.path, inRoot: file.inRoot });
          }
        }
        byName.set(entry.name, props);
      }
    }
    for (const rawSource of asList(doc.sources)) {
      const src = asObject(rawSource);
      if (typeof src.name !== 'string') throw new CompileError(`${file.path}: every source needs a name`);
      const schema = typeof src.schema === 'string' ? src.schema : src.name;
      for (const rawTable of asList(src.tables)) {
        const table = asObject(rawTable);
        if (typeof table.name !== 'string')
          throw new CompileError(`${file.path}: a table of source ${src.name} has no name`);
        const identifier = typeof table.identifier === 'string' ? table.identifier : table.name;
        const id = `source.${project.name}.${src.name}.${table.name}`;
        const tests: Properties['tests'] = [...asList(table.tests), ...asList(table.data_tests)].map((entry) => ({
          entry,
          file: file.path,
          inRoot: file.inRoot,
        }));
        for (const rawCol of asList(table.columns)) {
          const col = asObject(rawCol);
          for (const t of [...asList(col.tests), ...asList(col.data_tests)]) {
            tests.push({ entry: t, column: String(col.name), file: file.path, inRoot: file.inRoot });
          }
        }
        sources.push({
          source: { id, sourceName: src.name, name: table.name, relation: { schema, identifier }, path: file.path },
          tests,
        });
      }
    }
  }
  return { byName, sources };
}

const SNAPSHOT_BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\}/g;

/** Parses a dbt project directory into a manifest: nodes, configs, dependencies; fails on unknown refs and cycles. */
export function parseProject(dir: string, options: ParseOptions): Manifest {
  const project = readProjectFile(dir);
  const rawVars = { ...flattenVars(project.vars, project.name), ...(options.vars ?? {}) };
  const macroFiles = [
    ...findFiles(dir, project.macroPaths, ['.sql']),
    ...findFiles(dir, project.testPaths, ['.sql']).filter((f) => /\{%-?\s*test\s/.test(f.text)),
  ];
  const library = macroLibrary(macroFiles.map((f) => [f.path, f.text] as const));
  const renderer = new JinjaRenderer(library);
  // Jinja in var values and in dbt_project.yml / properties configs (`"{{ env_var('X') }}"`), rendered
  // once here as dbt renders them: with var, env_var and target, no refs.
  const now = new Date().toISOString();
  /** The parse-time context (`execute` false); without `extra`, for values that may not use ref/source. */
  const parseContext = (vars: Record<string, unknown>, extra: Partial<ContextInput> = {}) =>
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
  const renderValue = (where: string, value: unknown, vars: Record<string, unknown>): unknown => {
    if (typeof value === 'string' && /\{\{|\{%/.test(value))
      return renderer.render(where, value, parseContext(vars)).trim();
    if (Array.isArray(value)) return value.map((v) => renderValue(where, v, vars));
    return value;
  };
  let vars = rawVars;
  for (let pass = 0; pass < 3; pass++) {
    // A var may use another var: a few passes settle chains.
    vars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, renderValue(`var ${k}`, v, vars)]));
  }
  const yamlFiles = findFiles(
    dir,
    [...project.modelPaths, ...project.seedPaths, ...project.snapshotPaths],
    ['.yml', '.yaml'],
  );
  const { byName, sources: sourceList } = readProperties(project, yamlFiles);
  const sources: Record<string, ManifestSource> = Object.fromEntries(sourceList.map((s) => [s.source.id, s.source]));

  type Draft = ManifestNode & { refs: string[]; props?: Properties };
  const drafts: Draft[] = [];
  const fqnOf = (file: FoundFile, name: string) => [project.name, ...file.inRoot.split('/').slice(0, -1), name];
  const base = (
    type: ResourceType,
    file: FoundFile,
    name: string,
    rawSql: string,
    checksumOf: string,
    fqn = fqnOf(file, name),
  ): Draft => {
    const props = type === 'test' ? undefined : byName.get(name);
    const given = mergeConfig(configFromTree(project.configTrees[type], fqn), props?.config ?? {});
    const rendered = Object.fromEntries(
      Object.entries(given).map(([k, v]) => [k, renderValue(`config ${k} of ${name}`, v, vars)]),
    );
    const config: NodeConfig = mergeConfig({ materialized: DEFAULT_MATERIALIZED[type] }, rendered);
    return {
      id: `${type}.${project.name}.${name}`,
      resourceType: type,
      name,
      fqn,
      path: file.path,
      rawSql,
      config,
      dependsOn: [],
      refs: [],
      props,
      description: props?.description,
      columns: props && Object.keys(props.columns).length ? props.columns : undefined,
      checksum: sha(checksumOf),
    };
  };

  for (const file of findFiles(dir, project.modelPaths, ['.sql'])) {
    drafts.push(base('model', file, basename(file.path, '.sql'), file.text, file.text));
  }
  for (const file of findFiles(dir, project.seedPaths, ['.csv'])) {
    drafts.push(base('seed', file, basename(file.path, '.csv'), '', file.text));
  }
  for (const file of findFiles(dir, project.snapshotPaths, ['.sql'])) {
    for (const m of file.text.matchAll(SNAPSHOT_BLOCK)) {
      const before = file.text.slice(0, (m.index ?? 0) + m[0].indexOf(m[2])).split('\n').length - 1;
      // dbt's fqn of a snapshot includes its file's name: [project, ...folders, file, snapshot].
      const fqn = [...fqnOf(file, basename(file.path, '.sql')), m[1]];
      drafts.push(base('snapshot', file, m[1], '\n'.repeat(before) + m[2], m[0], fqn));
    }
  }
  for (const file of findFiles(dir, project.testPaths, ['.sql']).filter(
    (f) => !macroFiles.some((m) => m.path === f.path),
  )) {
    drafts.push(base('test', file, basename(file.path, '.sql'), file.text, file.text));
  }

  // Parse render: collect ref(), source(), config() as dbt does.
  const sourceId = (s: string, t: string) => `source.${project.name}.${s}.${t}`;

  for (const d of drafts.filter((x) => x.rawSql)) {
    const config: Record<string, unknown> = {};
    const refs: string[] = [];
    const deps = new Set<string>();
    renderer.render(
      d.path,
      d.rawSql,
      parseContext(vars, {
        self: { schema: options.target.schema, identifier: d.name },
        ref: (name) => {
          refs.push(name);
          return { sql: `"__ref__"."${name}"` };
        },
        source: (s, t) => {
          const id = sourceId(s, t);
          if (!sources[id]) return { error: `source('${s}', '${t}') is not defined in any sources: properties file` };
          deps.add(id);
          return { sql: `"${s}"."${t}"` };
        },
        config: (kw) => mergeConfig(config, kw),
      }),
    );
    mergeConfig(d.config, config);
    d.refs = refs;
    d.dependsOn = [...deps];
  }

  // Names must be unique among enabled nodes; refs resolve to them.
  const nodes = drafts.filter((d) => d.config.enabled !== false);
  const byNodeName = new Map<string, Draft>();
  for (const d of nodes) {
    if (d.resourceType === 'test') continue;
    const clash = byNodeName.get(d.name);
    if (clash) throw new CompileError(`${d.path}: "${d.name}" is also defined in ${clash.path}; names must be unique`);
    byNodeName.set(d.name, d);
  }
  for (const d of nodes) {
    for (const name of d.refs) {
      const node = byNodeName.get(name);
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

  // Generic tests from properties files.
  const testNames = new Set(nodes.filter((d) => d.resourceType === 'test').map((d) => d.name));
  const generics: Draft[] = [];
  const addTests = (attachedTo: string, attachedName: string, tests: Properties['tests']) => {
    for (const t of tests) {
      const parsed = parseTestEntry(t.entry, t.file, attachedName, t.column);
      const refTo = parsed.to?.ref ? byNodeName.get(parsed.to.ref) : undefined;
      if (parsed.to?.ref && !refTo) {
        throw new CompileError(
          `${t.file}: relationships test on ${attachedName}.${t.column} refers to unknown model '${parsed.to.ref}'`,
        );
      }
      const toSource = parsed.to?.source ? sourceId(parsed.to.source[0], parsed.to.source[1]) : undefined;
      if (toSource && !sources[toSource])
        throw new CompileError(`${t.file}: relationships test refers to unknown source ${toSource}`);
      const isBuiltin = ['unique', 'not_null', 'accepted_values', 'relationships'].includes(parsed.test);
      if (!isBuiltin && !library.names.includes(`test_${parsed.test}`)) {
        throw new CompileError(
          `${t.file}: unknown test '${parsed.test}' on ${attachedName} (define it with {% test ${parsed.test}(model, column_name) %} in tests/generic/)`,
        );
      }
      let name = parsed.name ?? testNodeName(parsed.test, attachedName, t.column, parsed.kwargs);
      for (let i = 2; testNames.has(name); i++) name = `${name}_${i}`;
      testNames.add(name);
      const fileLike: FoundFile = { path: t.file, inRoot: name, text: '' };
      const draft = base('test', fileLike, name, '', JSON.stringify([t.entry, t.column, attachedTo]));
      draft.fqn = [project.name, ...t.inRoot.split('/').slice(0, -1), name];
      mergeConfig(draft.config, configFromTree(project.configTrees.test, draft.fqn));
      mergeConfig(draft.config, parsed.config);
      const generic: GenericTest = { name: parsed.test, attachedTo, column: t.column, kwargs: parsed.kwargs };
      draft.generic = generic;
      draft.dependsOn = [attachedTo, ...(refTo ? [refTo.id] : []), ...(toSource ? [toSource] : [])];
      if (draft.config.enabled !== false) generics.push(draft);
    }
  };
  for (const d of nodes) if (d.props?.tests.length) addTests(d.id, d.name, d.props.tests);
  for (const s of sourceList)
    if (s.tests.length) addTests(s.source.id, `${s.source.sourceName}.${s.source.name}`, s.tests);

  const all = [...nodes, ...generics];
  const enabled = new Set(all.map((n) => n.id));
  for (const n of all) {
    const disabled = n.dependsOn.find((p) => (p.startsWith('source.') ? false : !enabled.has(p)));
    if (disabled) throw new CompileError(`${n.path}: ${n.name} depends on ${disabled}, which is disabled`);
  }
  // Relations: schema via generate_schema_name (the project's, if it defines one), alias via generate_alias_name.
  for (const n of all) {
    if (n.resourceType === 'test') continue;
    n.relation = {
      schema: schemaFor(renderer, library.names, options.target, n),
      identifier: aliasFor(renderer, library.names, options.target, n),
    };
  }
  const cycle = findCycle(all);
  if (cycle) {
    const byId = new Map(all.map((n) => [n.id, n]));
    const path = cycle.map((id) => `${byId.get(id)!.name} (${byId.get(id)!.path})`).join(' → ');
    throw new CompileError(`${byId.get(cycle[0])!.path}: dependency cycle: ${path}`);
  }
  topologicalOrder({
    nodes: all.map((n) => n.id),
    edges: all.flatMap((n) => n.dependsOn.filter((p) => enabled.has(p)).map((p) => [p, n.id] as [string, string])),
  });

  const manifestNodes: Record<string, ManifestNode> = {};
  for (const n of all) {
    const node: Partial<typeof n> = { ...n };
    delete node.refs;
    delete node.props;
    manifestNodes[n.id] = node as ManifestNode;
  }
  const checksum = sha(
    JSON.stringify([
      Object.values(manifestNodes).map((n) => [n.id, n.path, n.fqn, n.checksum, n.config, n.relation, n.dependsOn]),
      library.source,
      vars,
      options.target,
      Object.values(sources),
    ]),
  );
  return {
    projectName: project.name,
    projectDir: dir,
    targetPath: project.targetPath,
    checksum,
    vars,
    target: options.target,
    nodes: manifestNodes,
    sources,
    macros: library,
    generatedAt: now,
  };
}

/** A dependency cycle as a closed path of node ids (first repeated at the end), if there is one. */
function findCycle(nodes: ReadonlyArray<Pick<ManifestNode, 'id' | 'dependsOn'>>): string[] | undefined {
  const parents = new Map(nodes.map((n) => [n.id, n.dependsOn]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !parents.has(id)) return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const p of parents.get(id)!) {
      const found = visit(p);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.id);
    if (found) return found.reverse();
  }
  return undefined;
}

/** dbt's vars: top-level keys, plus the keys scoped to this project. */
function flattenVars(vars: Record<string, unknown>, projectName: string): Record<string, unknown> {
  const scoped = asObject(vars[projectName]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) if (k !== projectName) out[k] = v;
  return { ...out, ...scoped };
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
  const custom = typeof n.config.schema === 'string' ? n.config.schema : undefined;
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
