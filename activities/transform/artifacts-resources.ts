import type { DbtJson } from './artifacts-manifest';
import { CompileError } from './jinja';
import type { Manifest, UnitTestRows } from './manifest-types';
import { findFiles, readProjectFile, readPropertiesFile } from './project-files';

const REF = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/;
const SOURCE = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/;
const EXPOSURE_TYPES = new Set(['dashboard', 'notebook', 'analysis', 'ml', 'application']);

const asObject = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The node or source id a `ref('…')` / `source('…', '…')` names, as dbt resolves an exposure's depends_on. */
function resolveInput(m: Manifest, input: string, where: string): { id: string; ref?: string; source?: string[] } {
  const ref = REF.exec(input);
  const node = ref && Object.values(m.nodes).find((n) => n.name === ref[1] && n.resourceType !== 'test');
  if (ref && node) return { id: node.id, ref: node.name };
  const src = SOURCE.exec(input);
  const source = src && Object.values(m.sources).find((s) => s.sourceName === src[1] && s.name === src[2]);
  if (src && source) return { id: source.id, source: [source.sourceName, source.name] };
  throw new CompileError(`${where}: depends_on '${input}' is not a ref() or source() of this project`);
}

/**
 * The project's exposures (`exposures:` in properties files) in dbt's v12 shape, their `depends_on`
 * resolved to node and source ids; an unknown type or reference fails as dbt's parse does.
 */
export function dbtExposures(m: Manifest, createdAt: number): Record<string, DbtJson> {
  const project = readProjectFile(m.projectDir);
  const out: Record<string, DbtJson> = {};
  for (const file of findFiles(m.projectDir, project.modelPaths, ['.yml', '.yaml'])) {
    const doc = readPropertiesFile(file);
    if (!Array.isArray(doc.exposures)) continue;
    for (const raw of doc.exposures as unknown[]) {
      const e = asObject(raw);
      const name = text(e.name);
      const where = `${file.path}: exposure ${name ?? '(no name)'}`;
      if (!name) throw new CompileError(`${where}: every exposure needs a name`);
      if (!EXPOSURE_TYPES.has(String(e.type)))
        throw new CompileError(`${where}: type must be one of ${[...EXPOSURE_TYPES].join(', ')}`);
      const inputs = (Array.isArray(e.depends_on) ? e.depends_on : []).map((d) => resolveInput(m, String(d), where));
      const config = asObject(e.config);
      const id = `exposure.${project.name}.${name}`;
      const folders = file.inRoot.split('/').slice(0, -1);
      out[id] = {
        name,
        resource_type: 'exposure',
        package_name: project.name,
        path: file.inRoot,
        original_file_path: file.path,
        unique_id: id,
        fqn: [project.name, ...folders, name],
        type: e.type,
        owner: asObject(e.owner),
        description: text(e.description) ?? '',
        label: text(e.label),
        maturity: text(e.maturity),
        meta: asObject(e.meta ?? config.meta),
        tags: Array.isArray(e.tags) ? e.tags : [],
        config: { enabled: config.enabled !== false, tags: [], meta: {}, ...config },
        unrendered_config: {},
        url: text(e.url),
        depends_on: { macros: [], nodes: inputs.map((i) => i.id) },
        refs: inputs.filter((i) => i.ref).map((i) => ({ name: i.ref, package: null, version: null })),
        sources: inputs.filter((i) => i.source).map((i) => i.source),
        metrics: [],
        created_at: createdAt,
      };
    }
  }
  return out;
}

/** Rows as dbt's manifest keeps them: a list of mappings (dict), or the text (csv, sql). */
function fixture(rows: UnitTestRows): DbtJson {
  if (rows.format === 'sql') return { rows: rows.sql, format: 'sql', fixture: null };
  return { rows: rows.rows, format: rows.format, fixture: null };
}

/** The project's unit tests in dbt's v12 shape (`unit_test.<project>.<model>.<name>`). */
export function dbtUnitTests(m: Manifest, createdAt: number): Record<string, DbtJson> {
  const out: Record<string, DbtJson> = {};
  for (const t of Object.values(m.unitTests ?? {})) {
    const model = m.nodes[t.model];
    const folders = t.path.split('/').slice(1, -1);
    out[t.id] = {
      model: model?.name ?? t.model,
      given: t.given.map((g) => ({ input: g.input, ...fixture(g) })),
      expect: fixture(t.expect),
      name: t.name,
      resource_type: 'unit_test',
      package_name: m.projectName,
      path: t.path.split('/').slice(1).join('/'),
      original_file_path: t.path,
      unique_id: t.id,
      fqn: [m.projectName, ...folders, model?.name ?? t.model, t.name],
      description: '',
      overrides: t.overrides
        ? { macros: t.overrides.macros ?? {}, vars: t.overrides.vars ?? {}, env_vars: t.overrides.envVars ?? {} }
        : null,
      depends_on: { macros: [], nodes: [t.model] },
      config: { tags: [], meta: {}, enabled: true },
      checksum: null,
      schema: model?.relation?.schema ?? m.target.schema,
      created_at: createdAt,
      versions: null,
      version: null,
    };
  }
  return out;
}
