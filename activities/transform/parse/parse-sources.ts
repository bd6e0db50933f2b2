import { CompileError } from '../jinja';
import type { FoundFile, ProjectFile } from '../project-files';
import type { ManifestSource } from '../manifest-types';
import { sourceTableConfigs } from './parse-source-configs';
import { asList, asObject, testsOf, type TestEntries } from './parse-yaml';

/** A source table declared in a properties file, with the tests written on it. */
export interface DeclaredSource {
  source: ManifestSource;
  tests: TestEntries;
}

/** The node id of a source table. */
export function sourceIdOf(projectName: string, source: string, table: string): string {
  return `source.${projectName}.${source}.${table}`;
}

/** The `sources:` of one properties file, one entry per table. */
export function readSources(doc: Record<string, unknown>, file: FoundFile, project: ProjectFile): DeclaredSource[] {
  const sources: DeclaredSource[] = [];
  for (const rawSource of asList(doc.sources)) {
    const src = asObject(rawSource);
    if (typeof src.name !== 'string') throw new CompileError(`${file.path}: every source needs a name`);
    const schema = typeof src.schema === 'string' ? src.schema : src.name;
    for (const rawTable of asList(src.tables)) {
      const table = asObject(rawTable);
      if (typeof table.name !== 'string')
        throw new CompileError(`${file.path}: a table of source ${src.name} has no name`);
      const identifier = typeof table.identifier === 'string' ? table.identifier : table.name;
      const id = sourceIdOf(project.name, src.name, table.name);
      const tests: TestEntries = testsOf(table).map((entry) => ({
        entry,
        file: file.path,
        inRoot: file.inRoot,
      }));
      for (const rawCol of asList(table.columns)) {
        const col = asObject(rawCol);
        for (const t of testsOf(col)) {
          tests.push({ entry: t, column: String(col.name), file: file.path, inRoot: file.inRoot });
        }
      }
      const relation = { schema, identifier };
      sources.push({
        source: {
          id,
          sourceName: src.name,
          name: table.name,
          relation,
          path: file.path,
          ...sourceTableConfigs(src, table, relation, file.path),
        },
        tests,
      });
    }
  }
  return sources;
}
