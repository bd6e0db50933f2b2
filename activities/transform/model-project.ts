import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { topologicalOrder, type DependencyGraph } from '../../lib/graph';

/** One SQL model: `models/<layer>/<name>.sql`, materialized as the table `<layer>.<name>`. */
export interface Model {
  name: string;
  layer: string;
  file: string;
  sql: string;
  refs: string[];
  sources: Array<{ schema: string; table: string }>;
}

/** A model project with its dependency graph. */
export interface ModelProject {
  models: Map<string, Model>;
  graph: DependencyGraph;
}

/** Raised for a project that cannot be planned; the message names the file. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** Layers in build order; a model's folder under models/ names its layer (and schema). */
export const LAYERS = ['staging', 'intermediate', 'marts'] as const;

const REF = /\{\{\s*ref\(\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\)\s*\}\}/g;
const SOURCE = /\{\{\s*source\(\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*,\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\)\s*\}\}/g;

/** Reads `models/<layer>/*.sql`, finds `ref()`/`source()` calls and builds the dependency graph. */
export function loadModelProject(dir: string): ModelProject {
  const models = new Map<string, Model>();
  for (const layer of LAYERS) {
    const folder = join(dir, layer);
    let entries: string[];
    try {
      entries = statSync(folder).isDirectory() ? readdirSync(folder) : [];
    } catch {
      continue;
    }
    for (const entry of entries.filter((f) => f.endsWith('.sql')).sort()) {
      const file = join(folder, entry);
      const name = basename(entry, '.sql');
      if (models.has(name)) throw new ModelError(`${relative(dir, file)}: model "${name}" is defined twice`);
      const sql = readFileSync(file, 'utf8');
      models.set(name, {
        name,
        layer,
        file,
        sql,
        refs: [...sql.matchAll(REF)].map((m) => m[1]),
        sources: [...sql.matchAll(SOURCE)].map((m) => ({ schema: m[1], table: m[2] })),
      });
    }
  }
  const edges: Array<[string, string]> = [];
  for (const model of models.values()) {
    for (const ref of model.refs) {
      if (!models.has(ref)) {
        const line = model.sql.slice(0, model.sql.indexOf(ref)).split('\n').length;
        throw new ModelError(`${relative(dir, model.file)}:${line}: ref('${ref}') names no model`);
      }
      edges.push([ref, model.name]);
    }
  }
  const graph = { nodes: [...models.keys()], edges };
  topologicalOrder(graph); // throws on a cycle
  return { models, graph };
}

/** The model's SQL with `ref()` and `source()` replaced by schema-qualified table names. */
export function compileModel(project: ModelProject, model: Model): string {
  return model.sql
    .replace(REF, (_, name: string) => `"${project.models.get(name)!.layer}"."${name}"`)
    .replace(SOURCE, (_, schema: string, table: string) => `"${schema}"."${table}"`)
    .trim()
    .replace(/;\s*$/, '');
}
