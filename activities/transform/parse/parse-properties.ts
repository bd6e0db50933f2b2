import { CompileError } from '../jinja';
import { mergeConfig, readPropertiesFile, type FoundFile, type ProjectFile } from '../project-files';
import type { NotRunResource } from '../manifest-types';
import { readSources, type DeclaredSource } from './parse-sources';
import { asList, asObject, nameLine, testsOf, type TestEntries } from './parse-yaml';

/** A `unit_tests:` entry as written, with its properties file. */
export interface UnitTestEntry {
  entry: Record<string, unknown>;
  file: FoundFile;
}

/** What properties files say about one model, seed or snapshot. */
export interface Properties {
  description?: string;
  config: Record<string, unknown>;
  columns: Record<string, ColumnProps>;
  /** Test entries; `inRoot` is the properties file's path below its model/seed/snapshot path. */
  tests: TestEntries;
}

/** A column's description, its `data_type` (what an enforced contract checks) and what governance reads: dbt's `meta` and `tags` (top level or under `config`). */
export interface ColumnProps {
  description?: string;
  data_type?: string;
  meta?: Record<string, unknown>;
  tags?: string[];
}

/** A column entry's `meta` and `tags`, merged from the entry and its `config` (dbt 1.10 puts them there). */
function columnGovernance(col: Record<string, unknown>): Pick<ColumnProps, 'meta' | 'tags'> {
  const config = asObject(col.config);
  const meta = { ...asObject(col.meta), ...asObject(config.meta) };
  const tags = [...asList(col.tags), ...asList(config.tags)].filter((t): t is string => typeof t === 'string');
  return { ...(Object.keys(meta).length ? { meta } : {}), ...(tags.length ? { tags } : {}) };
}

/** Reads the properties YAML files: per model/seed/snapshot name, the sources and the unit tests. */
export function readProperties(
  project: ProjectFile,
  files: FoundFile[],
): {
  byName: Map<string, Properties>;
  sources: DeclaredSource[];
  unitTests: UnitTestEntry[];
  notRun: NotRunResource[];
} {
  const byName = new Map<string, Properties>();
  const sources: DeclaredSource[] = [];
  const unitTests: UnitTestEntry[] = [];
  const notRun: NotRunResource[] = [];
  for (const file of files) {
    const doc = readPropertiesFile(file);
    readNodeProperties(doc, file, byName);
    sources.push(...readSources(doc, file, project));
    unitTests.push(...asList(doc.unit_tests).map((raw) => ({ entry: asObject(raw), file })));
    notRun.push(...readNotRun(doc, file));
  }
  return { byName, sources, unitTests, notRun };
}

/** Properties-file resources the engine does not run, with why (dbt's build skips the semantic layer too). */
const NOT_RUN: Record<string, { kind: string; reason: string }> = {
  semantic_models: { kind: 'semantic_model', reason: 'semantic layer (dbt build does not run it either)' },
  metrics: { kind: 'metric', reason: 'semantic layer (dbt build does not run it either)' },
  saved_queries: { kind: 'saved_query', reason: 'semantic layer (dbt build does not run it either)' },
};

/** The semantic models, metrics and saved queries one properties file declares. */
function readNotRun(doc: Record<string, unknown>, file: FoundFile): NotRunResource[] {
  return Object.entries(NOT_RUN).flatMap(([key, { kind, reason }]) =>
    asList(doc[key]).map((raw, i) => {
      const name = asObject(raw).name;
      return { kind, name: typeof name === 'string' ? name : `${key}[${i}]`, path: file.path, reason };
    }),
  );
}

/** The `models:`, `seeds:` and `snapshots:` entries of one properties file, merged into `byName`. */
function readNodeProperties(doc: Record<string, unknown>, file: FoundFile, byName: Map<string, Properties>): void {
  for (const kind of ['models', 'seeds', 'snapshots'] as const) {
    for (const raw of asList(doc[kind])) {
      const entry = asObject(raw);
      if (typeof entry.name !== 'string') throw new CompileError(`${file.path}: every entry of ${kind} needs a name`);
      if (kind === 'models' && (entry.versions !== undefined || entry.latest_version !== undefined)) {
        // dbt builds one relation per version (`<name>_v<N>`) and resolves ref('<name>') to the latest:
        // building the unversioned file instead would be another table under another name.
        throw new CompileError(
          `${file.path}:${nameLine(file.text, entry.name)}: model ${entry.name} declares versions: versioned models are not supported by edp yet (dbt builds one relation per version and ref('${entry.name}') reads the latest)`,
        );
      }
      const props: Properties = byName.get(entry.name) ?? { config: {}, columns: {}, tests: [] };
      if (typeof entry.description === 'string') props.description = entry.description;
      mergeConfig(props.config, asObject(entry.config));
      for (const t of testsOf(entry)) props.tests.push({ entry: t, file: file.path, inRoot: file.inRoot });
      for (const rawCol of asList(entry.columns)) {
        const col = asObject(rawCol);
        if (typeof col.name !== 'string') throw new CompileError(`${file.path}: a column of ${entry.name} has no name`);
        props.columns[col.name] = {
          description: typeof col.description === 'string' ? col.description : undefined,
          ...columnGovernance(col),
          ...(typeof col.data_type === 'string' ? { data_type: col.data_type } : {}),
        };
        for (const t of testsOf(col)) {
          props.tests.push({ entry: t, column: col.name, file: file.path, inRoot: file.inRoot });
        }
      }
      byName.set(entry.name, props);
    }
  }
}
